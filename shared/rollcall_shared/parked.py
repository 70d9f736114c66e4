"""Parked messages: outbox rows the broker refuses for good, moved aside (with why) so the rows after them go out."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    UnsupportedForMessageFormatError,
)
from sqlalchemy import DateTime, String, delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.db import Database, MessageColumns
from rollcall_shared.metrics import OUTBOX_PARKED, count_on_commit

log = logging.getLogger(__name__)

REFUSED_FOR_GOOD = (
    MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError, CorruptRecordException,
    InvalidTimestampError, UnsupportedForMessageFormatError,
)  # fmt: skip
"""What the broker (or the producer before it) answers about the message itself or its topic's name: sending it
again changes nothing. Outages, timeouts, leader changes and refused credentials are not among them."""


def refused_for_good(error: BaseException) -> bool:
    return isinstance(error, REFUSED_FOR_GOOD) and not error.retriable


class ParkedMixin(MessageColumns):
    """Mix into a service's `Base` as `class ParkedMessage(ParkedMixin, Base)`."""

    __tablename__ = "outbox_parked"

    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the message was written to the outbox."""
    parked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


async def park(
    session: AsyncSession, model: type[ParkedMixin], refused: Sequence[tuple[Any, BaseException]], *, service: str
) -> None:
    """In the relay's transaction: each refused outbox row (`id, topic, key, value, headers, created_at`), with why."""
    for row, error in refused:
        log.error("outbox message %d for %s parked: %s", row.id, row.topic, type(error).__name__)
    await session.execute(model.__table__.insert(), [  # type: ignore[attr-defined]
        {"topic": row.topic, "key": row.key, "value": row.value, "headers": row.headers,
         "reason": f"{type(error).__name__}: {error}"[:1000], "created_at": row.created_at}
        for row, error in refused
    ])  # fmt: skip
    for topic, count in Counter(row.topic for row, _ in refused).items():
        count_on_commit(session, OUTBOX_PARKED, count, service=service, topic=topic)


@dataclass(frozen=True)
class Parked:
    """A parked message as an operator sees it: never its key or value, which name students."""

    id: int
    topic: str
    size: int
    reason: str
    created_at: datetime
    parked_at: datetime


async def parked_messages(database: Database, model: type[ParkedMixin]) -> list[Parked]:
    """Every parked message of a service, oldest first."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = (table.c.id, table.c.topic, func.length(table.c.value), table.c.reason, table.c.created_at,
               table.c.parked_at)  # fmt: skip
    async with database.sessions() as session:
        rows = (await session.execute(select(*columns).order_by(table.c.id))).all()
    return [Parked(*row[:4], _utc(row[4]), _utc(row[5])) for row in rows]


async def parked_count(database: Database, model: type[ParkedMixin]) -> int:
    async with database.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model.__table__)) or 0  # type: ignore[attr-defined]


async def resend(
    database: Database, *, parked: type[ParkedMixin], outbox: type[Any], ids: Sequence[int] | None = None
) -> list[int]:
    """Move parked messages (`ids`, or all) back to the end of the outbox, oldest first, in one transaction; the
    relay sends them (or parks them again). Returns the ids moved."""
    table, queue = parked.__table__, outbox.__table__  # type: ignore[attr-defined]
    chosen = table.c.id.in_(list(ids)) if ids is not None else true()
    async with database.transaction() as session:
        rows = (await session.execute(
            select(table.c.id, table.c.topic, table.c.key, table.c.value, table.c.headers, table.c.created_at)
            .where(chosen).order_by(table.c.id).with_for_update()
        )).all()  # fmt: skip
        if rows:
            await session.execute(queue.insert(), [
                {"topic": row.topic, "key": row.key, "value": row.value, "headers": row.headers} for row in rows
            ])  # fmt: skip
            await session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))
    return [row.id for row in rows]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
