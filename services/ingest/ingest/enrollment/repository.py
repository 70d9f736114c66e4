"""Queries of enrollments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest.enrollment.models import Enrollment


async def enrolled_students(
    session: AsyncSession, *, district_id: str, school_id: str, first: date | None, last: date
) -> list[str]:
    """Students with an enrollment at the school overlapping `first`..`last` (inclusive)."""
    statement = (
        select(Enrollment.student_id)
        .where(
            Enrollment.district_id == district_id,
            Enrollment.school_id == school_id,
            Enrollment.entry_date <= last,
        )
        .distinct()
        .order_by(Enrollment.student_id)
    )
    if first is not None:
        statement = statement.where(or_(Enrollment.exit_date.is_(None), Enrollment.exit_date >= first))
    return list((await session.scalars(statement)).all())
