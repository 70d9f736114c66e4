"""Enrollments: keep the current record per entry date, announce every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import EnrollmentRecorded

from ingest.calendar.repository import as_of
from ingest.current import Applied, content_hash, write_current
from ingest.edfi.resources import StudentSchoolAssociation
from ingest.enrollment.models import Enrollment
from ingest.publishers import new_event_id


async def record_enrollments(
    session: AsyncSession,
    *,
    district_id: str,
    records: Sequence[tuple[int, StudentSchoolAssociation]],
    now: datetime,
) -> Applied:
    """Each change carries its school's `as_of`: the days already final there."""
    rows = [
        {
            "district_id": district_id,
            "student_id": record.student_reference.student_unique_id,
            "school_id": record.school_reference.school_id,
            "entry_date": record.entry_date,
            "exit_date": record.exit_withdraw_date,
            "grade_level": record.entry_grade_level_descriptor,
            "content_hash": _content_hash(record),
            "recorded_at": now,
        }
        for _, record in records
    ]
    changed = await write_current(session, Enrollment.__table__, rows)
    changed_schools = {row["school_id"] for row, did_change in zip(rows, changed, strict=True) if did_change}
    closed = await as_of(session, district_id=district_id, school_ids=changed_schools)
    return Applied.of(records, rows, changed, lambda row: EnrollmentRecorded(
        event_id=new_event_id(),
        district_id=district_id,
        recorded_at=now,
        student_id=row["student_id"],
        school_id=row["school_id"],
        entry_date=row["entry_date"],
        exit_date=row["exit_date"],
        school_closed_through=closed.get(row["school_id"]),
        grade_level=row["grade_level"],
    ))


def _content_hash(record: StudentSchoolAssociation) -> str:
    """Without a grade level, the hash enrollments had before grade levels were read: a repeat stays a duplicate."""
    if record.entry_grade_level_descriptor is None:
        return content_hash(record.exit_withdraw_date)
    return content_hash(record.exit_withdraw_date, record.entry_grade_level_descriptor)
