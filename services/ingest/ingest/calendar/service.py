"""Calendar dates and day closes: what eligibility needs to count a student's enrolled days."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import CalendarDateRecorded, SchoolDayClosed

from ingest.calendar import repository
from ingest.calendar.models import CalendarDate
from ingest.current import Applied, content_hash, write_current
from ingest.edfi.resources import CalendarDate as CalendarDateResource
from ingest.enrollment.repository import enrolled_students
from ingest.publishers import new_event_id, publish

ONE_DAY = timedelta(days=1)


async def close_school_day(
    session: AsyncSession, *, district_id: str, school_id: str, day: date, now: datetime
) -> bool:
    """Attendance at the school is final through `day`; False if it already was.

    Every student enrolled during the newly closed days hears of it, with the school's
    instructional days among them.
    """
    moved, previous = await repository.advance_as_of(
        session, district_id=district_id, school_id=school_id, day=day, now=now
    )
    if not moved:
        return False
    days = await repository.instructional_days(
        session, district_id=district_id, school_id=school_id, after=previous, through=day
    )
    students = await enrolled_students(
        session,
        district_id=district_id,
        school_id=school_id,
        first=previous + ONE_DAY if previous else None,
        last=day,
    )
    await publish(session, _closes(district_id, school_id, students, day, days, now))
    return True


async def record_calendar_dates(
    session: AsyncSession,
    *,
    district_id: str,
    records: Sequence[tuple[int, CalendarDateResource]],
    now: datetime,
) -> Applied:
    """A change to a day the school already closed reaches its students as a day close."""
    rows = [
        {
            "district_id": district_id,
            "school_id": record.calendar_reference.school_id,
            "date": record.day,
            "instructional": record.instructional,
            "content_hash": content_hash(record.instructional),
            "recorded_at": now,
        }
        for _, record in records
    ]
    changed = await write_current(session, CalendarDate.__table__, rows)
    applied = Applied.of(records, rows, changed, lambda row: CalendarDateRecorded(
        event_id=new_event_id(),
        district_id=district_id,
        recorded_at=now,
        school_id=row["school_id"],
        date=row["date"],
        instructional=row["instructional"],
    ))
    changed_rows = [row for row, did_change in zip(rows, changed, strict=True) if did_change]
    applied.consequences = await _late_corrections(
        session, district_id=district_id, rows=changed_rows, now=now
    )
    return applied


async def _late_corrections(
    session: AsyncSession, *, district_id: str, rows: list[dict[str, Any]], now: datetime
) -> list[SchoolDayClosed]:
    """Changed dates at or before a school's `as_of`, re-closed for the students enrolled then."""
    closed = await repository.as_of(
        session, district_id=district_id, school_ids={row["school_id"] for row in rows}
    )
    late: dict[str, dict[date, bool]] = defaultdict(dict)
    for row in rows:
        as_of = closed.get(row["school_id"])
        if as_of is not None and row["date"] <= as_of:
            late[row["school_id"]][row["date"]] = row["instructional"]
    events = []
    for school_id, dates in sorted(late.items()):
        students = await enrolled_students(
            session, district_id=district_id, school_id=school_id, first=min(dates), last=max(dates)
        )
        instructional = sorted(day for day, is_instructional in dates.items() if is_instructional)
        events += _closes(district_id, school_id, students, closed[school_id], instructional, now)
    return events


def _closes(
    district_id: str, school_id: str, students: Sequence[str], through: date, days: Sequence[date], now: datetime
) -> list[SchoolDayClosed]:
    """One close of the school: an event per student, all with one `close_id` and the close's size."""
    close_id = new_event_id()
    return [
        SchoolDayClosed(
            event_id=new_event_id(),
            district_id=district_id,
            recorded_at=now,
            student_id=student_id,
            school_id=school_id,
            closed_through=through,
            instructional_days=tuple(days),
            close_id=close_id,
            close_size=len(students),
        )
        for student_id in students
    ]
