"""Batch consumers: subscriber options, decoding, and poison messages (unreadable, or failing even alone) set aside
for the dead-letter topic; an outage is never a reason to set one aside."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaMessage
from faststream.middlewares import AckPolicy
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import Database, timed_out
from rollcall_shared.dead_letters import dead_letter
from rollcall_shared.inbox import InboxMixin, claim_new
from rollcall_shared.logs import correlation_of
from rollcall_shared.metrics import CONSUMER_OUTAGES, EVENTS_CONSUMED, count_on_commit
from rollcall_shared.outbox import Outbox, OutboxRelay

log = logging.getLogger(__name__)

Unreadable = list[tuple[ConsumerRecord, str]]
UNAVAILABLE = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)
"""What an outage surfaces as (the database or the broker does not answer): never a reason to set a message aside."""


def unavailable(error: BaseException) -> bool:
    """An outage, whatever it surfaced as: a connection lost mid-batch (its session ended) is one too, and so is a
    statement the database ended at its timeout (it was too busy to answer in time)."""
    return (isinstance(error, UNAVAILABLE) or (isinstance(error, DBAPIError) and error.connection_invalidated)
            or timed_out(error))  # fmt: skip


class Backoff:
    """How long a consumer waits before handing a batch back after an outage: doubling from `first` up to `cap`
    seconds, and back to `first` once a batch is applied. One per subscriber."""

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first = first
        self.cap = cap
        self.outages = 0

    def next_wait(self) -> float:
        self.outages += 1
        return min(self.first * 2 ** (self.outages - 1), self.cap)

    def reset(self) -> None:
        self.outages = 0

    async def pause(self, error: BaseException, records: list[ConsumerRecord], *, group: str) -> None:
        """Wait before a batch an outage stopped is read again, counted in `/metrics`."""
        wait = self.next_wait()
        log.warning("an outage (%s) stopped a batch of %d; it is read again in %.1f s", type(error).__name__,
                    len(records), wait)  # fmt: skip
        for topic in {record.topic for record in records}:
            CONSUMER_OUTAGES.labels(group=group, topic=topic).inc()
        await asyncio.sleep(wait)


async def apply_apart(
    records: list[ConsumerRecord],
    apply: Callable[[list[ConsumerRecord]], Awaitable[None]],
    *,
    database: Database,
    relay: OutboxRelay,
    outbox: Outbox,
    group: str,
    backoff: Backoff,
    outage: Callable[[BaseException], bool] = unavailable,
    attempts: int = 3,
) -> None:
    """Apply a batch; if it fails for any reason but an outage, apply each message alone (`attempts` times at
    most) and set aside on the dead-letter topic the ones that still fail, so the partition keeps moving.

    An outage is raised after `backoff`'s wait: the batch is left unacknowledged and redelivered, and a database
    or service that is down is asked again less and less often, never in a tight loop.
    """
    try:
        await _apply_apart(records, apply, database=database, relay=relay, outbox=outbox, group=group,
                           outage=outage, attempts=attempts)  # fmt: skip
    except Exception as error:
        if outage(error):
            await backoff.pause(error, records, group=group)
        raise
    backoff.reset()


async def _apply_apart(
    records: list[ConsumerRecord],
    apply: Callable[[list[ConsumerRecord]], Awaitable[None]],
    *,
    database: Database,
    relay: OutboxRelay,
    outbox: Outbox,
    group: str,
    outage: Callable[[BaseException], bool],
    attempts: int,
) -> None:
    try:
        await apply(records)
        return
    except Exception as error:
        if outage(error):
            raise
        log.warning("a batch of %d failed (%s); applying its messages alone", len(records), type(error).__name__)
    for record in records:
        if (failure := await apply_alone(record, apply, outage=outage, attempts=attempts)) is None:
            continue
        log.error("dead-lettered the message at %s/%d/%d: %s", record.topic, record.partition, record.offset,
                  type(failure).__name__)  # fmt: skip
        async with database.transaction() as session:
            await dead_letter(outbox, session, record, f"{type(failure).__name__}: {failure}", group)
        relay.wake()


async def apply_alone(
    record: ConsumerRecord,
    apply: Callable[[list[ConsumerRecord]], Awaitable[None]],
    *,
    outage: Callable[[BaseException], bool] = unavailable,
    attempts: int = 3,
) -> Exception | None:
    """Apply one message, `attempts` times at most; None once applied, else what it still fails with.

    An outage is raised, never counted as an attempt.
    """
    failure: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            await apply([record])
            return None
        except Exception as error:
            if outage(error):
                raise
            failure = error
            await asyncio.sleep(0.05 * attempt)
    return failure


async def records_as_they_are(message: KafkaMessage) -> None:
    """The handler decodes the records itself; FastStream's per-record decoding would be wasted."""
    return None


def batch_options(max_records: int = 500) -> dict[str, Any]:
    """A batch subscriber that leaves a failed batch unacknowledged, so it is redelivered."""
    return dict(
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=records_as_they_are,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )


def decode(records: list[ConsumerRecord], adapter: TypeAdapter) -> tuple[list[Any], Unreadable]:
    """The events, and the records that are not one, each with why."""
    events, unreadable, _ = decode_correlated(records, adapter)
    return events, unreadable


def decode_correlated(
    records: list[ConsumerRecord], adapter: TypeAdapter
) -> tuple[list[Any], Unreadable, dict[str, str]]:
    """As `decode`, with each event's correlation id (from its message's header) by event id."""
    events, unreadable, correlation = [], [], {}
    for record in records:
        try:
            event = adapter.validate_json(record.value)
        except ValidationError as error:
            first = error.errors()[0]
            unreadable.append((record, f"unreadable: {'.'.join(map(str, first['loc']))}: {first['msg']}"))
            continue
        events.append(event)
        if value := correlation_of(record):
            correlation[event.event_id] = value
    return events, unreadable, correlation


def consumed(session: AsyncSession, records: list[ConsumerRecord], group: str) -> None:
    """Count the batch's messages as consumed by the group once its transaction commits."""
    for topic, count in Counter(record.topic for record in records).items():
        count_on_commit(session, EVENTS_CONSUMED, count, group=group, topic=topic)


async def dead_letter_unreadable(outbox: Outbox, session: AsyncSession, unreadable: Unreadable, group: str) -> None:
    for record, reason in unreadable:
        log.error("dead-lettered the message at %s/%d/%d", record.topic, record.partition, record.offset)
        await dead_letter(outbox, session, record, reason, group)


async def fresh(session: AsyncSession, inbox: type[InboxMixin], events: list[Any]) -> list[Any]:
    """The events not applied before, once each, in order; recorded in the caller's transaction."""
    new = await claim_new(session, inbox, [event.event_id for event in events])
    return list({event.event_id: event for event in events if event.event_id in new}.values())
