"""Every query of outreach items and opt-outs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from rollcall_shared.db import insert_for, one_of
from rollcall_shared.encryption import blind_index
from rollcall_shared.pagination import Keyset

from notifications.outreach.models import OptOut, OutreachItem

WAITING = ("pending_approval", "scheduled")
WITHOUT_CONTENT = defer(OutreachItem.content)
"""Items not yet sent have no words to read; one whose words no key reads never stops a whole claim."""


async def add_new(session: AsyncSession, rows: list[dict[str, Any]]) -> list[OutreachItem]:
    """Insert the items whose id is new; a redelivered crossing finds its items there already."""
    if not rows:
        return []
    statement = insert_for(session, OutreachItem.__table__).on_conflict_do_nothing(index_elements=["outreach_id"])
    new_ids = []
    for row in rows:  # RETURNING with executemany is not portable; these are a handful per crossing
        result = await session.execute(statement.values(**row).returning(OutreachItem.outreach_id))
        new_ids.extend(result.scalars())
    return await by_ids(session, new_ids)


async def by_ids(session: AsyncSession, outreach_ids: Collection[str], *, district_id: str | None = None) -> list[OutreachItem]:
    if not outreach_ids:
        return []
    query = select(OutreachItem).where(one_of(session, OutreachItem.outreach_id, list(outreach_ids)))
    if district_id is not None:
        query = query.where(OutreachItem.district_id == district_id)
    return list(await session.scalars(query.order_by(OutreachItem.created_at, OutreachItem.outreach_id)))


async def of_rule(session: AsyncSession, *, district_id: str, student_id: str, school_year: int, rule_id: str) -> list[OutreachItem]:
    """The student's items for one rule and year, oldest first."""
    found = await session.scalars(
        select(OutreachItem)
        .where(
            OutreachItem.district_id == district_id,
            OutreachItem.student_id == student_id,
            OutreachItem.school_year == school_year,
            OutreachItem.rule_id == rule_id,
        )
        .order_by(OutreachItem.created_at, OutreachItem.outreach_id)
    )
    return list(found)


async def of_crossing(session: AsyncSession, crossing_event_id: str) -> list[OutreachItem]:
    found = await session.scalars(
        select(OutreachItem).options(WITHOUT_CONTENT).where(OutreachItem.crossing_event_id == crossing_event_id)
    )
    return list(found)


async def page(
    session: AsyncSession, *, district_id: str, filters: dict[str, Any], page: Keyset
) -> list[OutreachItem]:
    query = select(OutreachItem).options(WITHOUT_CONTENT).where(OutreachItem.district_id == district_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(OutreachItem, name) == value)
    return list(await session.scalars(page.query(query, OutreachItem.outreach_id)))


async def waiting_approval(
    session: AsyncSession, *, district_id: str, outreach_ids: Collection[str] | None, rule_id: str | None, school_id: str | None
) -> list[OutreachItem]:
    query = select(OutreachItem).where(
        OutreachItem.district_id == district_id, OutreachItem.status == "pending_approval"
    )
    if outreach_ids is not None:
        query = query.where(one_of(session, OutreachItem.outreach_id, list(outreach_ids)))
    if rule_id is not None:
        query = query.where(OutreachItem.rule_id == rule_id)
    if school_id is not None:
        query = query.where(OutreachItem.school_id == school_id)
    return list(await session.scalars(query.with_for_update()))


async def due_messages(session: AsyncSession, *, now: datetime, limit: int) -> list[OutreachItem]:
    """Texts and emails whose time has come and that no sender has taken; locked for this one."""
    found = await session.scalars(
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(
            OutreachItem.status == "scheduled",
            OutreachItem.channel.in_(("sms", "email")),
            OutreachItem.not_before <= now,
            OutreachItem.sending_since.is_(None),
        )
        .order_by(OutreachItem.not_before, OutreachItem.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(found)


async def waiting_alike(session: AsyncSession, carrier: OutreachItem, taken: Collection[str]) -> list[OutreachItem]:
    """Items of the carrier's household, channel, rule and kind still waiting, though not yet due."""
    found = await session.scalars(
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(
            OutreachItem.district_id == carrier.district_id,
            OutreachItem.household_id == carrier.household_id,
            OutreachItem.channel == carrier.channel,
            OutreachItem.rule_id == carrier.rule_id,
            OutreachItem.kind == carrier.kind,
            OutreachItem.status == "scheduled",
            OutreachItem.sending_since.is_(None),
            OutreachItem.outreach_id.not_in(list(taken)),
        )
        .order_by(OutreachItem.created_at)
        .with_for_update(skip_locked=True)
    )
    return list(found)


async def claimed(session: AsyncSession, outreach_ids: Collection[str]) -> list[OutreachItem]:
    """The items as stored now (what the session held is replaced), locked, without their words."""
    found = await session.scalars(
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(one_of(session, OutreachItem.outreach_id, list(outreach_ids)))
        .order_by(OutreachItem.created_at, OutreachItem.outreach_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(found)


async def content_of(session: AsyncSession, outreach_id: str) -> dict[str, Any] | None:
    """An item's words; raises `InvalidToken` when no key of the ring reads them."""
    return await session.scalar(select(OutreachItem.content).where(OutreachItem.outreach_id == outreach_id))


async def begin_call(session: AsyncSession, *, outreach_id: str, sender_id: str, now: datetime) -> bool:
    """The compare-and-set before a provider call: the item is still this sender's and still scheduled.

    It is then in flight from `now` and counted as an attempt; False when another sender or a status change
    took it, and then nothing may be sent.
    """
    result = await session.execute(
        update(OutreachItem)
        .where(
            OutreachItem.outreach_id == outreach_id,
            OutreachItem.sender_id == sender_id,
            OutreachItem.status == "scheduled",
        )
        .values(sending_since=now, calling=True, attempts=OutreachItem.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def release(session: AsyncSession, *, outreach_id: str, sender_id: str) -> None:
    """The item back in the queue, if this sender still holds it: no provider call was made for it."""
    await session.execute(
        update(OutreachItem)
        .where(OutreachItem.outreach_id == outreach_id, OutreachItem.sender_id == sender_id,
               OutreachItem.status == "scheduled")  # fmt: skip
        .values(sending_since=None, sender_id=None, calling=False)
        .execution_options(synchronize_session=False)
    )


async def in_doubt(session: AsyncSession, *, started_before: datetime, limit: int) -> list[OutreachItem]:
    """Items in flight since before `started_before`: their sender stopped (no provider call lasts that long)."""
    found = await session.scalars(
        select(OutreachItem)
        .options(WITHOUT_CONTENT)
        .where(OutreachItem.status == "scheduled", OutreachItem.sending_since < started_before)
        .order_by(OutreachItem.sending_since)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(found)


async def of_batch(session: AsyncSession, batch_id: str) -> list[OutreachItem]:
    found = await session.scalars(
        select(OutreachItem)
        .where(OutreachItem.batch_id == batch_id, OutreachItem.status == "sent")
        .order_by(OutreachItem.created_at, OutreachItem.outreach_id)
    )
    return list(found)


async def by_provider_id(session: AsyncSession, district_id: str, provider_id: str) -> OutreachItem | None:
    return await session.scalar(
        select(OutreachItem).where(OutreachItem.district_id == district_id, OutreachItem.provider_id == provider_id)
    )


async def opted_out(session: AsyncSession, *, sender: str, phone: str) -> bool:
    """Whether `phone` replied STOP to our number `sender`; found by its blind index (the number is ciphertext)."""
    found = await session.scalar(
        select(OptOut.phone_index).where(OptOut.sender == sender, OptOut.phone_index == blind_index(session, phone))
    )
    return found is not None


async def opt_out(session: AsyncSession, *, sender: str, phone: str, district_id: str, now: datetime) -> None:
    statement = insert_for(session, OptOut.__table__).values(
        sender=sender, phone_index=blind_index(session, phone), phone=phone, district_id=district_id, opted_out_at=now
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["sender", "phone_index"]))


async def opt_in(session: AsyncSession, *, sender: str, phone: str) -> None:
    await session.execute(
        delete(OptOut).where(OptOut.sender == sender, OptOut.phone_index == blind_index(session, phone))
    )
