"""What notifications emits: every status change of an outreach item, through its outbox."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import OutreachStatusChanged, deterministic_id
from rollcall_shared.outbox import Outbox

from notifications.base import OutboxMessage
from notifications.outreach.models import OutreachItem

outbox = Outbox(OutboxMessage)


def status_event(item: OutreachItem) -> OutreachStatusChanged:
    return OutreachStatusChanged(
        event_id=deterministic_id("outreach", item.outreach_id, item.status, item.updated_at.isoformat()),
        district_id=item.district_id,
        outreach_id=item.outreach_id,
        student_id=item.student_id,
        school_id=item.school_id,
        rule_id=item.rule_id,
        crossing_event_id=item.crossing_event_id,
        kind=item.kind,
        channel=item.channel,
        language=item.language,
        status=item.status,
        reason=item.reason,
        household_id=item.household_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


async def publish_status_changes(session: AsyncSession, items: Iterable[OutreachItem]) -> None:
    """Queue one `outreach.status-changed` per item on `notifications.outreach.v1`."""
    await outbox.add(
        session,
        [
            (topics.OUTREACH, topics.student_key(item.district_id, item.student_id), status_event(item).to_json())
            for item in items
        ],
    )
