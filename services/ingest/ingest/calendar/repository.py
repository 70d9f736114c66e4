"""Queries of calendar dates and school closes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import insert_for

from ingest.calendar.models import CalendarDate, SchoolClose


async def as_of(session: AsyncSession, *, district_id: str, school_ids: Collection[str]) -> dict[str, date]:
    """The `as_of` of each of the schools that has been closed.

    Waits for a close in progress at any of them, so what the caller writes next is either
    seen by that close or told its new `as_of`.
    """
    ids = sorted(school_ids)
    if not ids:
        return {}
    await session.execute(
        insert_for(session, SchoolClose)
        .values([{"district_id": district_id, "school_id": school_id} for school_id in ids])
        .on_conflict_do_nothing()
    )
    rows = await session.execute(
        select(SchoolClose.school_id, SchoolClose.as_of)
        .where(SchoolClose.district_id == district_id, SchoolClose.school_id.in_(ids))
        .order_by(SchoolClose.school_id)
        .with_for_update(read=True)
    )
    return {school_id: day for school_id, day in rows if day is not None}


async def advance_as_of(
    session: AsyncSession, *, district_id: str, school_id: str, day: date, now: datetime
) -> tuple[bool, date | None]:
    """Move the school's `as_of` forward to `day`; returns whether it moved, and from where."""
    key = {"district_id": district_id, "school_id": school_id}
    await session.execute(insert_for(session, SchoolClose).values(**key).on_conflict_do_nothing())
    previous = await session.scalar(
        select(SchoolClose.as_of).filter_by(**key).with_for_update()
    )
    if previous is not None and day <= previous:
        return False, previous
    await session.execute(update(SchoolClose).filter_by(**key).values(as_of=day, closed_at=now))
    return True, previous


async def instructional_days(
    session: AsyncSession, *, district_id: str, school_id: str, after: date | None, through: date
) -> list[date]:
    """The school's instructional days in (`after`, `through`], oldest first."""
    statement = (
        select(CalendarDate.date)
        .where(
            CalendarDate.district_id == district_id,
            CalendarDate.school_id == school_id,
            CalendarDate.instructional.is_(True),
            CalendarDate.date <= through,
        )
        .order_by(CalendarDate.date)
    )
    if after is not None:
        statement = statement.where(CalendarDate.date > after)
    return list((await session.scalars(statement)).all())
