"""Queries of print batches."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.letters.models import LetterBatch


async def schools_printed(session: AsyncSession, district_id: str, print_date: date) -> set[str]:
    found = await session.scalars(
        select(LetterBatch.school_id).where(LetterBatch.district_id == district_id, LetterBatch.print_date == print_date)
    )
    return set(found)


async def batches(
    session: AsyncSession, *, district_id: str, school_id: str | None, print_date: date | None, limit: int
) -> list[LetterBatch]:
    query = select(LetterBatch).where(LetterBatch.district_id == district_id)
    if school_id is not None:
        query = query.where(LetterBatch.school_id == school_id)
    if print_date is not None:
        query = query.where(LetterBatch.print_date == print_date)
    query = query.order_by(LetterBatch.print_date.desc(), LetterBatch.school_id).limit(limit)
    return list(await session.scalars(query))


async def batch(session: AsyncSession, district_id: str, batch_id: str) -> LetterBatch | None:
    return await session.scalar(
        select(LetterBatch).where(LetterBatch.district_id == district_id, LetterBatch.batch_id == batch_id)
    )
