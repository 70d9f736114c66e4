"""Daily and section attendance: keep the current record of each key, announce every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import DailyAttendanceRecorded, SectionAttendanceRecorded

from ingest.attendance.models import DailyAttendance, SectionAttendance
from ingest.current import Applied, content_hash, write_current
from ingest.edfi.resources import (
    AttendanceEvent,
    StudentSchoolAttendanceEvent,
    StudentSectionAttendanceEvent,
)
from ingest.publishers import new_event_id


async def record_daily_attendance(
    session: AsyncSession,
    *,
    district_id: str,
    records: Sequence[tuple[int, StudentSchoolAttendanceEvent]],
    now: datetime,
) -> Applied:
    rows = [
        {
            "district_id": district_id,
            "student_id": record.student_reference.student_unique_id,
            "school_id": record.school_reference.school_id,
            "date": record.event_date,
            **_content(record, record.school_attendance_duration),
            "recorded_at": now,
        }
        for _, record in records
    ]
    changed = await write_current(session, DailyAttendance.__table__, rows)
    return Applied.of(records, rows, changed, lambda row: DailyAttendanceRecorded(
        event_id=new_event_id(), recorded_at=now, **_event_fields(row)
    ))


async def record_section_attendance(
    session: AsyncSession,
    *,
    district_id: str,
    records: Sequence[tuple[int, StudentSectionAttendanceEvent]],
    now: datetime,
) -> Applied:
    rows = [
        {
            "district_id": district_id,
            "student_id": record.student_reference.student_unique_id,
            "section_id": record.section_reference.section_id,
            "date": record.event_date,
            "school_id": record.section_reference.school_id,
            **_content(record, record.section_attendance_duration),
            "recorded_at": now,
        }
        for _, record in records
    ]
    changed = await write_current(session, SectionAttendance.__table__, rows)
    return Applied.of(records, rows, changed, lambda row: SectionAttendanceRecorded(
        event_id=new_event_id(), recorded_at=now, section_id=row["section_id"], **_event_fields(row)
    ))


def _content(record: AttendanceEvent, minutes: int | None) -> dict[str, Any]:
    category = record.attendance_event_category_descriptor.value
    reason = record.attendance_event_reason
    return {
        "category": category,
        "minutes": minutes,
        "reason": reason,
        "content_hash": content_hash(category, minutes, reason),
    }


def _event_fields(row: dict[str, Any]) -> dict[str, Any]:
    names = ("district_id", "student_id", "school_id", "date", "category", "minutes", "reason")
    return {name: row[name] for name in names}

