"""What eligibility listens to: attendance events, in batches, exactly once in effect."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from rollcall_shared import topics
from rollcall_shared.consuming import apply_alone, consumed, records_as_they_are, unavailable
from rollcall_shared.events import AttendanceEvent, attendance_event
from rollcall_shared.inbox import claim_new
from rollcall_shared.logs import correlation_of
from rollcall_shared.service import Runtime

from eligibility.models import InboxMessage
from eligibility.publishers import publish_dead_letter, publish_school_changes, publish_threshold_changes
from eligibility.service import Eligibility, Fenced
from eligibility.settings import Settings

log = logging.getLogger(__name__)

class PartitionLeases(ConsumerRebalanceListener):
    """On every assignment, take the partitions' leases before reading any state."""

    def __init__(self, rt: Runtime, eligibility: Eligibility) -> None:
        self.rt = rt
        self.eligibility = eligibility

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.eligibility.forget()
        self.eligibility.leases = {}

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self.rt.database.transaction() as session:
            await self.eligibility.take(session, {tp.partition for tp in assigned if tp.topic == topics.ATTENDANCE})


def subscribe(broker: KafkaBroker, rt: Runtime) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    eligibility = Eligibility(cached_students=settings.cached_students, topic=topics.ATTENDANCE)

    @broker.subscriber(
        topics.ATTENDANCE,
        group_id=settings.consumer_group,
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=PartitionLeases(rt, eligibility),
        decoder=records_as_they_are,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    async def on_attendance(message: KafkaMessage) -> None:
        await consume(rt, eligibility, list(message.raw_message), settings)


async def consume(rt: Runtime, eligibility: Eligibility, records: list[ConsumerRecord], settings: Settings) -> None:
    """Apply a batch; on a failure that is not an outage, isolate the poison messages."""
    for attempt in range(1, settings.max_attempts + 1):
        try:
            await _apply(rt, eligibility, records, settings)
            return
        except Exception as error:
            if unavailable(error):
                await asyncio.sleep(min(2**attempt, 10))
                if attempt == settings.max_attempts:
                    raise  # redelivered once the database answers again; never dead-lettered
            elif isinstance(error, Fenced | DBAPIError):
                await asyncio.sleep(0.05 * attempt)
            else:
                log.exception("batch of %d attendance events failed; isolating", len(records))
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
    error = await apply_alone(record, alone, attempts=settings.max_attempts)
    if error is None:
        return
    log.error("attendance event at %s/%d dead-lettered: %s", record.partition, record.offset, type(error).__name__)
    # Keyed by the message's place, not its event id: a re-driven copy (a new offset) must be applied, not dropped.
    async with rt.database.transaction() as session:
        if await claim_new(session, InboxMessage, [f"dead-letter:{record.partition}:{record.offset}"]):
            await publish_dead_letter(session, record, f"{type(error).__name__}: {error}", settings.consumer_group)
    rt.relay.wake()
