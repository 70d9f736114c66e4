"""Inbox: the ids of the messages a consumer has applied, so a redelivery changes nothing; pruned past a retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, String, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.db import Database, insert_for, is_postgres
from rollcall_shared.metrics import INBOX_PRUNED, count_on_commit

log = logging.getLogger(__name__)

PRUNE_LOCK_ID = 7_352_002
"""Advisory lock that keeps one replica per database pruning at a time; the others skip the round."""
PRUNE_BATCH = 5000
"""Ids deleted per transaction: short transactions, short locks."""


class InboxMixin:
    """Mix into a service's `Base` as `class InboxMessage(InboxMixin, Base)`."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


async def claim_new(session: AsyncSession, model: type[InboxMixin], event_ids: Iterable[str]) -> set[str]:
    """Record the ids in the caller's transaction; returns those never seen before."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert_for(session, table)
    if is_postgres(session):
        statement = statement.from_select(
            ["event_id"], select(func.unnest(bindparam("ids", ids, type_=ARRAY(table.c.event_id.type))))
        )
        parameters = None
    else:
        parameters = [{"event_id": event_id} for event_id in ids]
    statement = statement.on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id)
    return set((await session.execute(statement, parameters)).scalars())


async def prune(
    database: Database, model: type[InboxMixin], *, before: datetime, batch_size: int = PRUNE_BATCH, service: str = ""
) -> int:
    """Delete the ids applied before `before`, `batch_size` a transaction, oldest first; returns how many.

    Safe with any number of replicas: while one prunes, the others find the lock taken and stop.
    """
    table = model.__table__  # type: ignore[attr-defined]
    oldest = select(table.c.event_id).where(table.c.processed_at < before).order_by(table.c.processed_at)
    pruned = 0
    while True:
        async with database.transaction() as session:
            if database.is_postgres and not await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": PRUNE_LOCK_ID}
            ):
                return pruned
            result = await session.execute(delete(table).where(table.c.event_id.in_(oldest.limit(batch_size))))
            count_on_commit(session, INBOX_PRUNED, result.rowcount, service=service)
        pruned += result.rowcount
        if result.rowcount < batch_size:
            return pruned


async def prune_every(
    seconds: float, database: Database, model: type[InboxMixin], *, retention: timedelta, service: str
) -> None:
    """The service's background task: ids older than `retention` deleted every `seconds`; a failed round waits."""
    while True:
        try:
            if pruned := await prune(database, model, before=datetime.now(UTC) - retention, service=service):
                log.info("pruned %d inbox ids older than %s", pruned, retention)
        except Exception as error:  # the database is down: /readyz says so; the next round catches up
            log.warning("inbox pruning failed: %s", type(error).__name__)
        await asyncio.sleep(seconds)
