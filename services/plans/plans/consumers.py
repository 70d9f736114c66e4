"""What plans listens to: threshold changes (cases) and outreach status changes (case timelines)."""

from __future__ import annotations

from datetime import UTC, datetime

from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import TypeAdapter

from rollcall_shared import topics
from rollcall_shared.consuming import batch_options, dead_letter_unreadable, decode, fresh
from rollcall_shared.events import OutreachStatusChanged, ThresholdChanged
from rollcall_shared.service import Runtime

from plans.base import InboxMessage
from plans.cases.service import Caseworker
from plans.cases.timeline import note_outreach
from plans.publishers import outbox
from plans.settings import Settings

_threshold_changed = TypeAdapter(ThresholdChanged)
_outreach_changed = TypeAdapter(OutreachStatusChanged)


def subscribe(broker: KafkaBroker, rt: Runtime) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    caseworker: Caseworker = rt.services["caseworker"]
    group = settings.consumer_group

    @broker.subscriber(topics.THRESHOLDS, group_id=f"{group}-cases", **batch_options())
    async def on_thresholds(message: KafkaMessage) -> None:
        changes, unreadable = decode(list(message.raw_message), _threshold_changed)
        async with rt.database.transaction() as session:
            await dead_letter_unreadable(outbox, session, unreadable, group)
            new = await fresh(session, InboxMessage, changes)
            await caseworker.apply(session, changes=new, now=datetime.now(UTC))
        rt.relay.wake()

    @broker.subscriber(topics.OUTREACH, group_id=f"{group}-timeline", **batch_options())
    async def on_outreach(message: KafkaMessage) -> None:
        changes, unreadable = decode(list(message.raw_message), _outreach_changed)
        async with rt.database.transaction() as session:
            await dead_letter_unreadable(outbox, session, unreadable, group)
            for change in await fresh(session, InboxMessage, changes):
                await note_outreach(session, change=change)
        rt.relay.wake()
