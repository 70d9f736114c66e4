"""Every query of plans' attendance read model."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of, upsert

from plans.attendance.days import Record, StudentDays
from plans.attendance.models import DayRecord, Enrollment, SchoolDay

DayKey = tuple[str, str, str, date]
"""(district, student or school, school, date)"""


async def save_records(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, DayRecord.__table__, rows, keys=["district_id", "student_id", "school_id", "day"])


async def drop_records(session: AsyncSession, keys: Collection[DayKey]) -> None:
    """Forget records that became `In Attendance`."""
    if keys:
        columns = tuple_(DayRecord.district_id, DayRecord.student_id, DayRecord.school_id, DayRecord.day)
        await session.execute(delete(DayRecord).where(columns.in_(list(keys))))


async def save_enrollments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, Enrollment.__table__, rows, keys=["district_id", "student_id", "school_id", "entry_date"])


async def add_school_days(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, SchoolDay.__table__, rows, keys=["district_id", "school_id", "day"])


async def drop_school_days(session: AsyncSession, keys: Collection[tuple[str, str, date]]) -> None:
    """Forget days the calendar no longer calls instructional."""
    if keys:
        columns = tuple_(SchoolDay.district_id, SchoolDay.school_id, SchoolDay.day)
        await session.execute(delete(SchoolDay).where(columns.in_(list(keys))))


async def student_days(
    session: AsyncSession, district_id: str, student_ids: Collection[str], first: date, last: date
) -> dict[str, StudentDays]:
    """Each student's school days and records between `first` and `last` (three queries, however many students)."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    enrollments: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
    rows = await session.execute(
        select(Enrollment.student_id, Enrollment.school_id, Enrollment.entry_date, Enrollment.exit_date).where(
            Enrollment.district_id == district_id, one_of(session, Enrollment.student_id, ids),
            Enrollment.entry_date <= last,
        )
    )  # fmt: skip
    for student_id, school_id, entry, exit in rows:
        enrollments[student_id].append((school_id, entry, exit))
    schools = sorted({school for each in enrollments.values() for school, _, _ in each})
    closed: dict[str, list[date]] = defaultdict(list)
    if schools:
        days = await session.execute(
            select(SchoolDay.school_id, SchoolDay.day).where(
                SchoolDay.district_id == district_id, one_of(session, SchoolDay.school_id, schools),
                SchoolDay.day >= first, SchoolDay.day <= last,
            )
        )  # fmt: skip
        for school_id, day in days:
            closed[school_id].append(day)
    records: dict[str, list[Record]] = defaultdict(list)
    found = await session.execute(
        select(DayRecord.student_id, DayRecord.school_id, DayRecord.day, DayRecord.category, DayRecord.minutes).where(
            DayRecord.district_id == district_id, one_of(session, DayRecord.student_id, ids),
            DayRecord.day >= first, DayRecord.day <= last,
        )
    )  # fmt: skip
    for student_id, school_id, day, category, minutes in found:
        records[student_id].append(Record(school_id, day, category, minutes))
    return {
        student_id: StudentDays.of(enrollments=enrollments[student_id], closed=closed, records=records[student_id])
        for student_id in ids
    }
