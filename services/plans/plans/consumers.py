"""What plans listens to: threshold changes (cases), outreach status changes (history) and attendance (goals)."""

from __future__ import annotations

from functools import partial

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import TypeAdapter

from rollcall_shared import topics
from rollcall_shared.consuming import (
    Backoff, apply_apart, batch_options, consumed, dead_letter_unreadable, decode, decode_correlated, fresh,
)  # fmt: skip
from rollcall_shared.logs import correlated
from rollcall_shared.events import OutreachStatusChanged, ThresholdChanged, attendance_event
from rollcall_shared.service import Runtime

from plans.attendance import service as attendance
from plans.base import InboxMessage
from plans.cases.service import Caseworker
from plans.history.service import keep_outreach, keep_thresholds
from plans.plan.service import review_goals
from plans.publishers import outbox
from plans.settings import Settings

_threshold_changed = TypeAdapter(ThresholdChanged)
_outreach_changed = TypeAdapter(OutreachStatusChanged)


def subscribe(broker: KafkaBroker, rt: Runtime) -> None:
    settings: Settings = rt.settings  # type: ignore[assignment]
    caseworker: Caseworker = rt.services["caseworker"]
    group = settings.consumer_group
    apart = partial(apply_apart, database=rt.database, relay=rt.relay, outbox=outbox, group=group)
    thresholds_backoff, outreach_backoff, attendance_backoff = Backoff(), Backoff(), Backoff()

    @broker.subscriber(topics.THRESHOLDS, group_id=f"{group}-cases", **batch_options())
    async def on_thresholds(message: KafkaMessage) -> None:
        await apart(list(message.raw_message), apply_thresholds, backoff=thresholds_backoff)

    async def apply_thresholds(records: list[ConsumerRecord]) -> None:
        changes, unreadable, correlation = decode_correlated(records, _threshold_changed)
        async with rt.database.transaction() as session:
            consumed(session, records, f"{group}-cases")
            await dead_letter_unreadable(outbox, session, unreadable, group)
            new = await fresh(session, InboxMessage, changes)
            keep_thresholds(session, changes=new)
            for change in new:
                with correlated(correlation.get(change.event_id)):
                    await caseworker.apply(session, changes=[change], now=rt.clock.now(), today=rt.clock.today())
        rt.relay.wake()

    @broker.subscriber(topics.OUTREACH, group_id=f"{group}-timeline", **batch_options())
    async def on_outreach(message: KafkaMessage) -> None:
        await apart(list(message.raw_message), apply_outreach, backoff=outreach_backoff)

    async def apply_outreach(records: list[ConsumerRecord]) -> None:
        changes, unreadable = decode(records, _outreach_changed)
        async with rt.database.transaction() as session:
            consumed(session, records, f"{group}-timeline")
            await dead_letter_unreadable(outbox, session, unreadable, group)
            keep_outreach(session, changes=await fresh(session, InboxMessage, changes))
        rt.relay.wake()

    @broker.subscriber(topics.ATTENDANCE, group_id=f"{group}-attendance", **batch_options(max_records=2000))
    async def on_attendance(message: KafkaMessage) -> None:
        await apart(list(message.raw_message), apply_attendance, backoff=attendance_backoff)

    async def apply_attendance(records: list[ConsumerRecord]) -> None:
        events, unreadable = decode(records, attendance_event)
        async with rt.database.transaction() as session:
            consumed(session, records, f"{group}-attendance")
            await dead_letter_unreadable(outbox, session, unreadable, group)
            students = await attendance.apply(session, events=events)
            await review_goals(session, students=students, now=rt.clock.now(), today=rt.clock.today())
        rt.relay.wake()
