"""What notifications listens to: roster changes (ids only) and threshold changes, in batches."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from functools import partial

import httpx
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import TypeAdapter

from rollcall_shared import topics
from rollcall_shared.consuming import (
    Backoff, apply_apart, batch_options, consumed, dead_letter_unreadable, decode, decode_correlated, fresh,
    unavailable,
)  # fmt: skip
from rollcall_shared.events import RosterChanged, ThresholdChanged
from rollcall_shared.service import Runtime

from notifications.base import InboxMessage
from notifications.outreach.service import Planner
from notifications.publishers import outbox, publish_status_changes
from notifications.roster.client import RosterClient
from notifications.roster.service import refresh
from notifications.settings import Settings

_roster_changed = TypeAdapter(RosterChanged)
_threshold_changed = TypeAdapter(ThresholdChanged)


def subscribe(broker: KafkaBroker, rt: Runtime, *, roster: RosterClient, planner: Planner) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    options = batch_options()
    apart = partial(apply_apart, database=rt.database, relay=rt.relay, outbox=outbox, group=settings.consumer_group)
    roster_backoff, thresholds_backoff = Backoff(), Backoff()

    @broker.subscriber(topics.ROSTER, group_id=f"{settings.consumer_group}-roster", **options)
    async def on_roster(message: KafkaMessage) -> None:
        await apart(list(message.raw_message), partial(refresh_roster, rt, roster), outage=ingest_unavailable,
                    backoff=roster_backoff)  # fmt: skip

    @broker.subscriber(topics.THRESHOLDS, group_id=f"{settings.consumer_group}-outreach", **options)
    async def on_thresholds(message: KafkaMessage) -> None:
        await apart(list(message.raw_message), partial(plan_outreach, rt, planner), backoff=thresholds_backoff)


def ingest_unavailable(error: BaseException) -> bool:
    """An outage of ours or of ingest's (down, failing, refusing our credentials): never the message's fault."""
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500 or error.response.status_code in (401, 403, 408, 429)
    return isinstance(error, httpx.TransportError) or unavailable(error)


async def refresh_roster(rt: Runtime, roster: RosterClient, records: list[ConsumerRecord]) -> None:
    """Read the changed documents from ingest and replace them in the projection (idempotent)."""
    wanted: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    changes, unreadable = decode(records, _roster_changed)
    for change in changes:
        students, contacts = wanted[change.district_id]
        students.update(filter(None, [change.student_id]))
        contacts.update(filter(None, [change.contact_id]))
    for district_id, (students, contacts) in wanted.items():
        documents = await roster.fetch(district_id, student_ids=sorted(students), contact_ids=sorted(contacts))
        async with rt.database.transaction() as session:
            await refresh(session, district_id=district_id, documents=documents, now=datetime.now(UTC))
    async with rt.database.transaction() as session:
        consumed(session, records, f"{rt.settings.consumer_group}-roster")  # type: ignore[attr-defined]
        await dead_letter_unreadable(outbox, session, unreadable, rt.settings.consumer_group)  # type: ignore[attr-defined]
    if unreadable:
        rt.relay.wake()


async def plan_outreach(rt: Runtime, planner: Planner, records: list[ConsumerRecord]) -> None:
    """Each threshold change once: the inbox, the items and their status events commit together."""
    changes, unreadable, correlation = decode_correlated(records, _threshold_changed)
    async with rt.database.transaction() as session:
        consumed(session, records, f"{rt.settings.consumer_group}-outreach")  # type: ignore[attr-defined]
        await dead_letter_unreadable(outbox, session, unreadable, rt.settings.consumer_group)  # type: ignore[attr-defined]
        new = await fresh(session, InboxMessage, changes)
        changed = await planner.apply(session, changes=new, now=datetime.now(UTC))
        await publish_status_changes(session, changed, correlation)
    rt.relay.wake()
