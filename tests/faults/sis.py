"""A term of attendance as an SIS posts it to ingest, day by day, and the same records as ingest's events.

The records are absences on distinct days, so what eligibility should emit does not depend on the order
they arrive in: a request that fails and is sent again later changes nothing the oracle computes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rollcall_shared.events import AttendanceCategory
from tests.ingest.builders import daily, enrollment
from tests.support.events import Feed, school_days
from tests.support.oracle import expected_threshold_ids

SCHOOL = "255901001"
UNEXCUSED, EXCUSED = AttendanceCategory.UNEXCUSED_ABSENCE, AttendanceCategory.EXCUSED_ABSENCE
ABSENCES = [UNEXCUSED, UNEXCUSED, EXCUSED]

Record = tuple[str, str, str]
"""(studentId, date, category) of a daily attendance record."""


@dataclass
class Term:
    district_id: str
    students: int
    days: int
    seed: int = 5
    enrollments: list[dict[str, Any]] = field(init=False)
    by_day: list[list[dict[str, Any]]] = field(init=False)
    """Each school day's absences as Ed-Fi StudentSchoolAttendanceEvents."""
    feed: Feed = field(init=False)
    """The same records as the events ingest makes of them."""

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        days = school_days(date(2021, 9, 1), self.days)
        ids = [f"{n:06d}" for n in range(self.students)]
        self.feed = Feed(self.district_id, SCHOOL)
        self.enrollments = []
        for student in ids:
            self.enrollments.append(enrollment(student, SCHOOL, days[0].isoformat()))
            self.feed.enroll(student, days[0])
        self.by_day = []
        for day in days:
            records = []
            for student in ids:
                if rng.random() < 0.35:
                    category = rng.choice(ABSENCES)
                    records.append(daily(student, day.isoformat(), category.value))
                    self.feed.daily(student, day, category)
            self.by_day.append(records)

    def expected_crossings(self, days: int | None = None) -> dict[str, tuple[str, str, str]]:
        """eventId -> (studentId, ruleId, type) of every threshold change the term implies (its first `days`)."""
        days = self.days if days is None else days
        events = len(self.enrollments) + sum(len(day) for day in self.by_day[:days])
        return expected_threshold_ids(self.feed.events[:events])

    def records(self) -> set[Record]:
        return {record_of(body) for day in self.by_day for body in day}


def record_of(body: dict[str, Any]) -> Record:
    category = body["attendanceEventCategoryDescriptor"].rpartition("#")[2]
    return body["studentReference"]["studentUniqueId"], body["eventDate"], category


def published_record(event: dict[str, Any]) -> Record:
    """The record an `attendance.daily-recorded` event carries."""
    return event["studentId"], event["date"], event["category"]


async def post(sis: httpx.AsyncClient, district_id: str, resource: str, body: list[dict[str, Any]]) -> httpx.Response:
    return await sis.post(f"/v1/districts/{district_id}/ed-fi/{resource}", json=body)


def stored_daily_records(database_url: str, district_id: str) -> list[Record]:
    """Ingest's current daily records of the district, read with plain SQL."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT student_id, date, category FROM daily_attendance WHERE district_id = :district"),
                {"district": district_id},
            ).all()
    finally:
        engine.dispose()
    return [(student, day.isoformat(), category) for student, day, category in rows]


def once_each(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Messages by eventId; a message delivered again (the relay is at-least-once) must be the same message."""
    by_id: dict[str, dict[str, Any]] = {}
    for message in messages:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    return by_id
