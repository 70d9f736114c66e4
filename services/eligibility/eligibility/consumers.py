"""What eligibility listens to: attendance events, in batches, exactly once in effect."""

from __future__ import annotations

import asyncio
import itertools
import logging
from functools import partial

from aiokafka import AIOKafkaConsumer
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy
from prometheus_client import Counter as Counted
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from rollcall_shared import topics
from rollcall_shared.consuming import Backoff, apply_alone, consumed, records_as_they_are, unavailable
from rollcall_shared.events import AttendanceEvent, attendance_event
from rollcall_shared.inbox import claim_new
from rollcall_shared.logs import correlation_of, origin
from rollcall_shared.service import Runtime

from eligibility.models import InboxMessage
from eligibility.publishers import publish_dead_letter, publish_school_changes, publish_threshold_changes
from eligibility.service import Eligibility, Fenced
from eligibility.settings import Settings

log = logging.getLogger(__name__)

FENCED_PAUSE = 1.0
"""Seconds a fenced consumer waits before reading again: a heartbeat, time to hear of the group's new assignment."""
REDELIVERED = Counted(
    "rollcall_batches_redelivered_total",
    "Batches left unacknowledged to be read again, by consumer group and why (fenced: a partition moved on)",
    ["group", "reason"],
)


class PartitionLeases(ConsumerRebalanceListener):
    """On every assignment, take the partitions' leases before reading any state."""

    def __init__(self, rt: Runtime, eligibility: Eligibility) -> None:
        self.rt = rt
        self.eligibility = eligibility

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.eligibility.forget()
        self.eligibility.leases = {}

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        partitions = {tp.partition for tp in assigned if tp.topic == topics.ATTENDANCE}
        for attempt in itertools.count(1):
            try:
                async with self.rt.database.transaction() as session:
                    await self.eligibility.take(session, partitions)
                return
            except Exception as error:
                if not unavailable(error):
                    raise
                # without its leases every batch would be fenced until the next rebalance: wait for the database
                log.warning("taking partition leases waits for the database: %s", type(error).__name__)
                await asyncio.sleep(min(2**attempt, 10))


def subscribe(broker: KafkaBroker, rt: Runtime) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    eligibility = Eligibility(cached_students=settings.cached_students, topic=topics.ATTENDANCE)
    backoff = Backoff()

    @broker.subscriber(
        topics.ATTENDANCE,
        group_id=settings.consumer_group,
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,  # acknowledged below: committed when applied, never past a fenced batch
        listener=PartitionLeases(rt, eligibility),
        decoder=records_as_they_are,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    async def on_attendance(message: KafkaMessage) -> None:
        records = list(message.raw_message)
        consumer: AIOKafkaConsumer = message.consumer  # type: ignore[assignment]
        try:
            await consume(rt, eligibility, records, settings)
        except Fenced:
            rewind(consumer, records)
            REDELIVERED.labels(group=settings.consumer_group, reason="fenced").inc()
            log.info("a batch of %d attendance events was fenced: a partition of it has another owner now, who "
                     "reads it again; no offset of it was committed here", len(records))  # fmt: skip
            await asyncio.sleep(FENCED_PAUSE)
            return
        except Exception as error:
            rewind(consumer, records)
            reason = "unavailable" if unavailable(error) else "failed"
            REDELIVERED.labels(group=settings.consumer_group, reason=reason).inc()
            if unavailable(error):
                await backoff.pause(error, records, group=settings.consumer_group)
            raise
        backoff.reset()
        await acknowledge(consumer, records)


def rewind(consumer: AIOKafkaConsumer, records: list[ConsumerRecord]) -> None:
    """Read the batch again from its first record on each of its partitions still assigned here; the others are
    read by their new owner from the group's committed offsets."""
    assigned = consumer.assignment()
    for partition, (first, _) in _bounds(records).items():
        if partition in assigned:
            consumer.seek(partition, first)


async def acknowledge(consumer: AIOKafkaConsumer, records: list[ConsumerRecord]) -> None:
    """Commit the offsets of a batch applied; a partition no longer assigned here is left to its new owner, whose
    inbox drops what this batch applied."""
    assigned = consumer.assignment()
    offsets = {partition: last + 1 for partition, (_, last) in _bounds(records).items() if partition in assigned}
    if not offsets:
        return
    try:
        await consumer.commit(offsets)
    except KafkaError as error:  # the group moved on meanwhile: the batch is applied, its next reader skips it
        log.warning("offsets of an applied batch not committed: %s", type(error).__name__)


def _bounds(records: list[ConsumerRecord]) -> dict[TopicPartition, tuple[int, int]]:
    """The first and last offset of the batch on each of its partitions."""
    bounds: dict[TopicPartition, tuple[int, int]] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        first, last = bounds.get(partition, (record.offset, record.offset))
        bounds[partition] = (min(first, record.offset), max(last, record.offset))
    return bounds


async def consume(rt: Runtime, eligibility: Eligibility, records: list[ConsumerRecord], settings: Settings) -> None:
    """Apply a batch; on a failure that is neither an outage nor a fence, isolate the poison messages. An outage is
    raised (the batch is read again after the subscriber's backoff, never dead-lettered); `Fenced` at once too: the
    batch is its partitions' new owner's."""
    for attempt in range(1, settings.max_attempts + 1):
        try:
            await _apply(rt, eligibility, records, settings)
            return
        except Fenced:
            raise
        except Exception as error:
            if unavailable(error):
                raise
            if isinstance(error, DBAPIError):
                await asyncio.sleep(0.05 * attempt)  # a deadlock or a serialization failure: the batch again
                continue
            log.error("batch of %d attendance events failed (%s); isolating", len(records), origin(error))
            break
    for record in records:
        await _apply_alone(rt, eligibility, record, settings)


async def _apply(rt: Runtime, eligibility: Eligibility, records: list[ConsumerRecord], settings: Settings) -> None:
    events: list[AttendanceEvent] = []
    poison: list[tuple[ConsumerRecord, str]] = []
    correlation: dict[str, str] = {}
    for record in records:
        try:
            event = attendance_event.validate_json(record.value)
        except ValidationError as error:
            poison.append((record, f"not an attendance event: {error.errors()[0]['msg']}"))
            continue
        events.append(event)
        if value := correlation_of(record):
            correlation[event.event_id] = value
    try:
        async with rt.database.transaction() as session:
            consumed(session, records, settings.consumer_group)
            changes, school_changes = await eligibility.apply(session, events, {record.partition for record in records})
            caused = [(change, correlation.get(cause.event_id)) for change, cause in changes]
            await publish_threshold_changes(session, caused)
            await publish_school_changes(session, school_changes)
            for record, reason in poison:
                await publish_dead_letter(session, record, reason, settings.consumer_group)
    except BaseException:
        eligibility.forget()  # the cache holds the batch as applied; the rolled-back database does not
        raise
    rt.relay.wake()


async def _apply_alone(rt: Runtime, eligibility: Eligibility, record: ConsumerRecord, settings: Settings) -> None:
    alone = partial(_apply, rt, eligibility, settings=settings)
    error = await apply_alone(record, alone, outage=_redelivered, attempts=settings.max_attempts)
    if error is None:
        return
    log.error("attendance event at %s/%d dead-lettered: %s", record.partition, record.offset, type(error).__name__)
    # Keyed by the message's place, not its event id: a re-driven copy (a new offset) must be applied, not dropped.
    async with rt.database.transaction() as session:
        if await claim_new(session, InboxMessage, [f"dead-letter:{record.partition}:{record.offset}"]):
            await publish_dead_letter(session, record, f"{type(error).__name__}: {error}", settings.consumer_group)
    rt.relay.wake()


def _redelivered(error: BaseException) -> bool:
    """An outage or a fence: the message is read again (by whoever owns its partition), never set aside."""
    return unavailable(error) or isinstance(error, Fenced)
