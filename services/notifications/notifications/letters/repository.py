"""Queries of print batches and of the letters that go into them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import insert_for, one_of

from notifications.letters.models import LetterBatch
from notifications.outreach.models import OutreachItem
from notifications.outreach.repository import WITHOUT_CONTENT


async def due_letters(
    session: AsyncSession,
    *,
    district_id: str,
    print_date: date,
    now: datetime,
    limit: int | None,
    school_ids: Collection[str] | None = None,
) -> list[OutreachItem]:
    """Scheduled letters of schools whose batch of `print_date` is not closed, a school's households together;
    locked for this claim, skipping those another holds."""
    closed = select(LetterBatch.school_id).where(
        LetterBatch.district_id == district_id, LetterBatch.print_date == print_date, LetterBatch.closed_at.is_not(None)
    )
    query = (
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(
            OutreachItem.district_id == district_id,
            OutreachItem.channel == "letter",
            OutreachItem.status == "scheduled",
            OutreachItem.not_before <= now,
            OutreachItem.school_id.not_in(closed),
        )
        .order_by(OutreachItem.school_id, OutreachItem.household_id, OutreachItem.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutreachItem)
    )
    if school_ids is not None:
        query = query.where(one_of(session, OutreachItem.school_id, list(school_ids)))
    return list(await session.scalars(query))


async def letters_alike(
    session: AsyncSession, carrier: OutreachItem, taken: Collection[str], *, now: datetime
) -> list[OutreachItem]:
    """The carrier's household's other due letters of its school, rule and kind, beyond the claim's limit."""
    found = await session.scalars(
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(
            OutreachItem.district_id == carrier.district_id,
            OutreachItem.school_id == carrier.school_id,
            OutreachItem.household_id == carrier.household_id,
            OutreachItem.rule_id == carrier.rule_id,
            OutreachItem.kind == carrier.kind,
            OutreachItem.channel == "letter",
            OutreachItem.status == "scheduled",
            OutreachItem.not_before <= now,
            OutreachItem.outreach_id.not_in(list(taken)),
        )
        .order_by(OutreachItem.created_at)
        .with_for_update(skip_locked=True)
    )
    return list(found)


async def add_letters(
    session: AsyncSession, *, batch_id: str, district_id: str, school_id: str, print_date: date, letters: int,
    now: datetime,
) -> None:  # fmt: skip
    """The batch opened with `letters`, or `letters` more in it."""
    statement = insert_for(session, LetterBatch.__table__).values(
        batch_id=batch_id, district_id=district_id, school_id=school_id, print_date=print_date, letters=letters,
        created_at=now,
    )  # fmt: skip
    await session.execute(statement.on_conflict_do_update(
        index_elements=["batch_id"], set_={"letters": LetterBatch.__table__.c.letters + statement.excluded.letters}
    ))  # fmt: skip


async def close(
    session: AsyncSession, *, district_id: str, print_date: date, now: datetime, school_ids: Collection[str] | None
) -> list[LetterBatch]:
    """Close the open batches of the day (and any left open before): a letter due from now on waits for the
    school's next batch."""
    query = (
        update(LetterBatch)
        .where(LetterBatch.district_id == district_id, LetterBatch.print_date <= print_date,
               LetterBatch.closed_at.is_(None))  # fmt: skip
        .values(closed_at=now)
        .returning(LetterBatch.batch_id)
    )
    if school_ids is not None:
        query = query.where(one_of(session, LetterBatch.school_id, list(school_ids)))
    closed = list(await session.scalars(query))
    if not closed:
        return []
    found = await session.scalars(
        select(LetterBatch)
        .where(one_of(session, LetterBatch.batch_id, closed))
        .order_by(LetterBatch.school_id)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def districts_to_print(session: AsyncSession) -> list[str]:
    """Districts with letters scheduled or a batch still open."""
    found = await session.scalars(union(
        select(OutreachItem.district_id).where(OutreachItem.channel == "letter", OutreachItem.status == "scheduled"),
        select(LetterBatch.district_id).where(LetterBatch.closed_at.is_(None)),
    ))  # fmt: skip
    return list(found)


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
