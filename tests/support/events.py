"""Attendance events as ingest publishes them, for feeding a consumer directly."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from rollcall_shared import topics
from rollcall_shared.events import (
    AttendanceCategory,
    CalendarDateRecorded,
    DailyAttendanceRecorded,
    EnrollmentRecorded,
    IngestEvent,
    SchoolDayClosed,
)


def school_days(first: date, count: int) -> list[date]:
    """`count` weekdays from `first`."""
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


class Feed:
    """Builds one district's events in order, each with a fresh id, as ingest would."""

    def __init__(self, district_id: str, school_id: str = "255901001") -> None:
        self.district_id = district_id
        self.school_id = school_id
        self.events: list[IngestEvent] = []

    def _common(self) -> dict[str, object]:
        return {"event_id": str(uuid.uuid4()), "district_id": self.district_id, "recorded_at": datetime.now(UTC)}

    def calendar(self, days: list[date]) -> Feed:
        for day in days:
            self.events.append(CalendarDateRecorded(**self._common(), school_id=self.school_id, date=day, instructional=True))
        return self

    def enroll(self, student_id: str, entry: date, exit: date | None = None, school_id: str | None = None) -> Feed:
        self.events.append(
            EnrollmentRecorded(**self._common(), student_id=student_id, school_id=school_id or self.school_id,
                               entry_date=entry, exit_date=exit)
        )
        return self

    def daily(self, student_id: str, day: date, category: AttendanceCategory, minutes: int | None = None,
              reason: str | None = None, school_id: str | None = None) -> Feed:
        self.events.append(
            DailyAttendanceRecorded(**self._common(), student_id=student_id, school_id=school_id or self.school_id,
                                    date=day, category=category, minutes=minutes, reason=reason)
        )
        return self

    def close(self, student_id: str, through: date, instructional: list[date], close_id: str | None = None,
              size: int | None = None) -> Feed:
        self.events.append(
            SchoolDayClosed(**self._common(), student_id=student_id, school_id=self.school_id,
                            closed_through=through, instructional_days=tuple(instructional),
                            close_id=close_id, close_size=size)
        )
        return self

    def close_school(self, students: list[str], through: date, instructional: list[date]) -> Feed:
        """One close as ingest sends it: an event per student, with one close id and the number of events."""
        close_id = str(uuid.uuid4())
        for student in students:
            self.close(student, through, instructional, close_id, len(students))
        return self

    def messages(self, events: list[IngestEvent] | None = None) -> list[tuple[str, bytes]]:
        out = []
        for event in events if events is not None else self.events:
            student = getattr(event, "student_id", None)
            key = (topics.student_key(self.district_id, student) if student
                   else topics.school_key(self.district_id, event.school_id))  # type: ignore[attr-defined]
            out.append((key, event.to_json()))
        return out


def district_feed(district_id: str, students: int, days: int, seed: int = 7) -> Feed:
    """A school's term at random: absences and tardies, now and then a day corrected to present, every day closed."""
    rng = random.Random(seed)
    categories = [AttendanceCategory.UNEXCUSED_ABSENCE, AttendanceCategory.EXCUSED_ABSENCE, AttendanceCategory.TARDY]
    calendar = school_days(date(2021, 8, 23), days)
    feed = Feed(district_id).calendar(calendar)
    ids = [f"{n:06d}" for n in range(students)]
    for student in ids:
        feed.enroll(student, calendar[0])
    for number, day in enumerate(calendar):
        for student in ids:
            if rng.random() < 0.08:
                category = rng.choice(categories)
                feed.daily(student, day, category, minutes=rng.choice([10, 45]) if category == "Tardy" else None)
            if rng.random() < 0.01:  # the SIS corrects an earlier day to present
                feed.daily(student, rng.choice(calendar[: number + 1]), AttendanceCategory.IN_ATTENDANCE)
        for student in ids:
            feed.close(student, day, [day])
    return feed
