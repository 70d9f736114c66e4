"""Attendance events applied to plans' read model, a batch at a time and set-wise."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import (
    AttendanceCategory,
    AttendanceEvent,
    CalendarDateRecorded,
    DailyAttendanceRecorded,
    EnrollmentRecorded,
    SchoolDayClosed,
)

from plans.attendance import repository
from plans.attendance.repository import DayKey

StudentKey = tuple[str, str]
"""(district_id, student_id)"""


async def apply(session: AsyncSession, *, events: list[AttendanceEvent]) -> set[StudentKey]:
    """Keep the latest of each record, enrollment and school day; returns the students whose attendance moved on.

    No inbox: every row holds the latest value of its key, so applying a partition's events again, in
    order, leaves the model as it was.
    """
    records: dict[DayKey, DailyAttendanceRecorded] = {}
    enrollments: dict[tuple[str, str, str, date], EnrollmentRecorded] = {}
    school_days: dict[tuple[str, str, date], bool] = {}
    students: set[StudentKey] = set()
    for event in events:
        if isinstance(event, DailyAttendanceRecorded):
            records[(event.district_id, event.student_id, event.school_id, event.date)] = event
        elif isinstance(event, EnrollmentRecorded):
            enrollments[(event.district_id, event.student_id, event.school_id, event.entry_date)] = event
        elif isinstance(event, SchoolDayClosed):
            school_days.update({(event.district_id, event.school_id, day): True for day in event.instructional_days})
        elif isinstance(event, CalendarDateRecorded) and not event.instructional:
            school_days[(event.district_id, event.school_id, event.date)] = False
        if isinstance(event, DailyAttendanceRecorded | EnrollmentRecorded | SchoolDayClosed):
            students.add((event.district_id, event.student_id))
    await _save_records(session, records)
    await repository.save_enrollments(session, [
        {"district_id": d, "student_id": s, "school_id": k, "entry_date": entry, "exit_date": e.exit_date}
        for (d, s, k, entry), e in enrollments.items()
    ])  # fmt: skip
    await repository.add_school_days(
        session, [{"district_id": d, "school_id": k, "day": day} for (d, k, day), on in school_days.items() if on]
    )
    await repository.drop_school_days(session, [key for key, on in school_days.items() if not on])
    return students


async def _save_records(session: AsyncSession, records: dict[DayKey, DailyAttendanceRecorded]) -> None:
    present = [key for key, record in records.items() if record.category is AttendanceCategory.IN_ATTENDANCE]
    rows: list[dict[str, Any]] = [
        {"district_id": d, "student_id": s, "school_id": k, "day": day, "category": r.category.value, "minutes": r.minutes}
        for (d, s, k, day), r in records.items()
        if r.category is not AttendanceCategory.IN_ATTENDANCE
    ]
    await repository.drop_records(session, present)
    await repository.save_records(session, rows)
