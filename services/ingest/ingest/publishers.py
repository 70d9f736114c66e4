"""What ingest emits: every event goes through the outbox, keyed so one student's stay in order."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import (
    CalendarDateRecorded,
    IngestEvent,
    RosterChanged,
    StudentEvent,
    StudentGroupsRecorded,
)
from rollcall_shared.outbox import Outbox

from ingest.base import OutboxMessage

outbox = Outbox(OutboxMessage)


def new_event_id() -> str:
    return str(uuid.uuid4())


def message(event: IngestEvent) -> tuple[str, str, bytes]:
    """`(topic, key, value)`: student events by student, calendar dates by school, roster by district."""
    if isinstance(event, StudentEvent | StudentGroupsRecorded):
        return topics.ATTENDANCE, topics.student_key(event.district_id, event.student_id), event.to_json()
    if isinstance(event, CalendarDateRecorded):
        return topics.ATTENDANCE, topics.school_key(event.district_id, event.school_id), event.to_json()
    if isinstance(event, RosterChanged):
        return topics.ROSTER, event.district_id, event.to_json()
    raise TypeError(f"no topic for {type(event).__name__}")


async def publish(session: AsyncSession, events: Iterable[IngestEvent]) -> None:
    """Write the events to the outbox in the caller's transaction, in this order."""
    await outbox.add(session, [message(event) for event in events])
