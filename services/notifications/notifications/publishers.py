"""What notifications emits: every status change of an outreach item, through its outbox."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from prometheus_client import Counter as Counted

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import OutreachStatusChanged, deterministic_id
from rollcall_shared.logs import CORRELATION_HEADER
from rollcall_shared.metrics import count_on_commit
from rollcall_shared.outbox import Outbox

from notifications.base import OutboxMessage
from notifications.outreach.models import OutreachItem

log = logging.getLogger(__name__)
outbox = Outbox(OutboxMessage)
OUTREACH_CHANGES = Counted("rollcall_outreach_status_changes_total", "Outreach items' status changes", ["channel", "status"])


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


async def publish_status_changes(
    session: AsyncSession, items: Iterable[OutreachItem], correlation: dict[str, str] | None = None
) -> None:
    """Queue one `outreach.status-changed` per item on `notifications.outreach.v1`.

    `correlation` gives crossings' correlation ids (by crossing event id), carried by their items' events.
    """
    items, correlation = list(items), correlation or {}
    messages = []
    for item in items:
        cid = correlation.get(item.crossing_event_id)
        messages.append((topics.OUTREACH, topics.student_key(item.district_id, item.student_id),
                         status_event(item).to_json(), {CORRELATION_HEADER: cid} if cid else None))  # fmt: skip
        log.info("%s %s %s, item %s", item.channel, item.kind, item.status, item.outreach_id,
                 extra={"correlation_id": cid} if cid else {})  # fmt: skip
    await outbox.add(session, messages)
    for (channel, status), count in Counter((item.channel, item.status) for item in items).items():
        count_on_commit(session, OUTREACH_CHANGES, count, channel=channel, status=status)
