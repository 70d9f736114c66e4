"""Every query of students' threshold and outreach history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from plans.history.models import OutreachEntry, ThresholdEntry


async def thresholds(session: AsyncSession, district_id: str, student_id: str, school_year: int) -> list[ThresholdEntry]:
    return list(await session.scalars(
        select(ThresholdEntry)
        .where(ThresholdEntry.district_id == district_id, ThresholdEntry.student_id == student_id,
               ThresholdEntry.school_year == school_year)
        .order_by(ThresholdEntry.occurred_at, ThresholdEntry.event_id)
    ))  # fmt: skip


async def outreach(
    session: AsyncSession, district_id: str, student_id: str, school_year: int, through: datetime | None = None
) -> list[OutreachEntry]:
    """The family's outreach for the school year's crossings, oldest first; up to `through` when given."""
    crossings = select(ThresholdEntry.event_id).where(
        ThresholdEntry.district_id == district_id, ThresholdEntry.student_id == student_id,
        ThresholdEntry.school_year == school_year,
    )  # fmt: skip
    query = select(OutreachEntry).where(
        OutreachEntry.district_id == district_id, OutreachEntry.student_id == student_id,
        OutreachEntry.crossing_event_id.in_(crossings),
    )  # fmt: skip
    if through is not None:
        query = query.where(OutreachEntry.updated_at <= through)
    return list(await session.scalars(query.order_by(OutreachEntry.updated_at, OutreachEntry.event_id)))
