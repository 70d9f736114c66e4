"""What notifications listens to: roster changes (ids only) and threshold changes, in batches."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy
from pydantic import TypeAdapter, ValidationError

from rollcall_shared import topics
from rollcall_shared.dead_letters import dead_letter
from rollcall_shared.events import RosterChanged, ThresholdChanged
from rollcall_shared.inbox import claim_new
from rollcall_shared.service import Runtime

from notifications.base import InboxMessage
from notifications.outreach.service import Planner
from notifications.publishers import outbox, publish_status_changes
from notifications.roster.client import RosterClient
from notifications.roster.service import refresh
from notifications.settings import Settings

log = logging.getLogger(__name__)

_roster_changed = TypeAdapter(RosterChanged)
_threshold_changed = TypeAdapter(ThresholdChanged)


def subscribe(broker: KafkaBroker, rt: Runtime, *, roster: RosterClient, planner: Planner) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    options = dict(
        batch=True,
        max_records=500,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_records_as_they_are,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )

    @broker.subscriber(topics.ROSTER, group_id=f"{settings.consumer_group}-roster", **options)
    async def on_roster(message: KafkaMessage) -> None:
        await refresh_roster(rt, roster, list(message.raw_message))

    @broker.subscriber(topics.THRESHOLDS, group_id=f"{settings.consumer_group}-outreach", **options)
    async def on_thresholds(message: KafkaMessage) -> None:
        await plan_outreach(rt, planner, list(message.raw_message))


async def _records_as_they_are(message: KafkaMessage) -> None:
    return None


def _decoded(records: list[ConsumerRecord], adapter: TypeAdapter) -> tuple[list, list[tuple[ConsumerRecord, str]]]:
    """The events, and the records that are not one, each with why."""
    events, unreadable = [], []
    for record in records:
        try:
            events.append(adapter.validate_json(record.value))
        except ValidationError as error:
            first = error.errors()[0]
            unreadable.append((record, f"unreadable: {'.'.join(map(str, first['loc']))}: {first['msg']}"))
    return events, unreadable


async def _dead_letters(rt: Runtime, session, unreadable: list[tuple[ConsumerRecord, str]]) -> None:
    for record, reason in unreadable:
        log.error("dead-lettered the message at %s/%d/%d", record.topic, record.partition, record.offset)
        await dead_letter(outbox, session, record, reason, rt.settings.consumer_group)  # type: ignore[attr-defined]


async def refresh_roster(rt: Runtime, roster: RosterClient, records: list[ConsumerRecord]) -> None:
    """Read the changed documents from ingest and replace them in the projection (idempotent)."""
    wanted: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    changes, unreadable = _decoded(records, _roster_changed)
    for change in changes:
        students, contacts = wanted[change.district_id]
        students.update(filter(None, [change.student_id]))
        contacts.update(filter(None, [change.contact_id]))
    for district_id, (students, contacts) in wanted.items():
        documents = await roster.fetch(district_id, student_ids=sorted(students), contact_ids=sorted(contacts))
        async with rt.database.transaction() as session:
            await refresh(session, district_id=district_id, documents=documents, now=datetime.now(UTC))
    if unreadable:
        async with rt.database.transaction() as session:
            await _dead_letters(rt, session, unreadable)
        rt.relay.wake()


async def plan_outreach(rt: Runtime, planner: Planner, records: list[ConsumerRecord]) -> None:
    """Each threshold change once: the inbox, the items and their status events commit together."""
    changes, unreadable = _decoded(records, _threshold_changed)
    async with rt.database.transaction() as session:
        await _dead_letters(rt, session, unreadable)
        new = await claim_new(session, InboxMessage, [change.event_id for change in changes])
        fresh = list({change.event_id: change for change in changes if change.event_id in new}.values())
        changed = await planner.apply(session, changes=fresh, now=datetime.now(UTC))
        await publish_status_changes(session, changed)
    rt.relay.wake()
