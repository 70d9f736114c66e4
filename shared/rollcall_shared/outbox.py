"""Transactional outbox: events are written with the state change, then relayed to Kafka in order."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import DateTime, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.db import Database, MessageColumns, is_postgres, unnest_rows
from rollcall_shared.logs import CORRELATION_HEADER, correlation_id
from rollcall_shared.metrics import EVENTS_PUBLISHED, count_on_commit
from rollcall_shared.parked import ParkedMixin, park, refused_for_good

log = logging.getLogger(__name__)

RELAY_LOCK_ID = 7_352_001
"""Advisory lock that keeps a single relay per database publishing, so per-key order holds."""


class OutboxMixin(MessageColumns):
    """Mix into a service's `Base` as `class OutboxMessage(OutboxMixin, Base)`."""

    __tablename__ = "outbox"

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Outbox:
    """Writes outgoing messages in the caller's transaction."""

    def __init__(self, model: type[OutboxMixin]) -> None:
        self.model = model

    async def add(
        self,
        session: AsyncSession,
        messages: Sequence[tuple[str, str, bytes] | tuple[str, str, bytes, dict[str, str] | None]],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue `(topic, key, value[, headers])` messages; they go out once the transaction commits.

        `headers` apply to every message that carries none of its own; each carries the correlation id
        of the work that wrote it, unless it names its own.
        """
        if not messages:
            return
        correlated = {CORRELATION_HEADER: cid} if (cid := correlation_id.get()) else {}
        rows = [
            {"topic": topic, "key": key, "value": value,
             "headers": (correlated | ((own[0] if own else None) or headers or {})) or None}
            for topic, key, value, *own in messages
        ]  # fmt: skip
        table = self.model.__table__  # type: ignore[attr-defined]
        if is_postgres(session):
            await session.execute(table.insert().from_select(list(rows[0]), unnest_rows(table, rows)))
        else:
            await session.execute(table.insert(), rows)


class OutboxRelay:
    """Publishes committed outbox rows in id order and deletes them once Kafka has them; a row the broker refuses for
    good is parked in the same transaction, and the rows after it go on."""

    def __init__(
        self,
        *,
        database: Database,
        model: type[OutboxMixin],
        parked: type[ParkedMixin],
        producer: AIOKafkaProducer,
        batch_size: int = 2000,
        poll_seconds: float = 0.2,
        service: str = "",
    ) -> None:
        self.service = service
        self.database = database
        self.model = model
        self.parked = parked
        self.producer = producer
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self.published = 0

    def wake(self) -> None:
        """Called after a commit that wrote to the outbox, so the relay need not wait for a poll."""
        self._wake.set()

    async def run(self) -> None:
        backoff = self.poll_seconds
        while True:
            self._wake.clear()  # before reading, so a commit made while sending is not missed
            try:
                sent = await self.relay_once()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as error:  # broker or database down: keep the rows, try again later
                log.warning("outbox relay paused: %s", type(error).__name__)
                sent = 0
                backoff = min(backoff * 2, 5.0)
            if sent < self.batch_size:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=backoff)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows left the outbox (published or parked).

        A transient failure (broker down, timeout, leader moving) is raised: every row stays for the next try.
        """
        table = self.model.__table__  # type: ignore[attr-defined]
        async with self.database.transaction() as session:
            if self.database.is_postgres:
                locked = await session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
                )
                if not locked:
                    return 0
            rows = (
                await session.execute(
                    select(table.c.id, table.c.topic, table.c.key, table.c.value, table.c.headers, table.c.created_at)
                    .order_by(table.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            refusals = await self._send(rows)
            refused = [(row, error) for row, error in zip(rows, refusals) if error is not None]
            await session.execute(delete(table).where(table.c.id.in_([row.id for row in rows])))
            if refused:
                await park(session, self.parked, refused, service=self.service)
            delivered = Counter(row.topic for row, error in zip(rows, refusals) if error is None)
            for topic, sent in delivered.items():
                count_on_commit(session, EVENTS_PUBLISHED, sent, service=self.service, topic=topic)
        self.published += delivered.total()
        return len(rows)

    async def _send(self, rows: Sequence[Any]) -> list[BaseException | None]:
        """Send the rows in order; for each, None once the broker has it, or why it refuses it for good."""
        deliveries: list[asyncio.Future[Any] | BaseException] = []
        for row in rows:
            try:
                deliveries.append(await self.producer.send(
                    row.topic, row.value, key=row.key.encode(),
                    headers=[(k, v.encode()) for k, v in (row.headers or {}).items()],
                ))  # fmt: skip
            except Exception as error:  # refused before sending: too large for the producer, an invalid topic
                if not refused_for_good(error):
                    raise
                deliveries.append(error)
        waiting = [delivery for delivery in deliveries if not isinstance(delivery, BaseException)]
        answers = iter(await asyncio.gather(*waiting, return_exceptions=True))
        outcomes = [delivery if isinstance(delivery, BaseException) else next(answers) for delivery in deliveries]
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not refused_for_good(outcome):
                raise outcome
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many messages wait, and since when."""
        return await outbox_backlog(self.database, self.model)


async def outbox_backlog(database: Database, model: type[OutboxMixin]) -> tuple[int, datetime | None]:
    """How many messages wait in a service's outbox, and since when."""
    table = model.__table__  # type: ignore[attr-defined]
    async with database.sessions() as session:
        count, oldest = (await session.execute(select(func.count(), func.min(table.c.created_at)))).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


def header_items(headers: dict[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (headers or {}).items()}
