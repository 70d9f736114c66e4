"""What eligibility emits: threshold changes, schools against their attendance target, dead letters, via its outbox."""

from __future__ import annotations

import logging
from collections import Counter

from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter as Counted
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.dead_letters import dead_letter
from rollcall_shared.events import SchoolAttendanceChanged, ThresholdChanged
from rollcall_shared.metrics import count_on_commit
from rollcall_shared.logs import CORRELATION_HEADER
from rollcall_shared.outbox import Outbox

from eligibility.models import OutboxMessage

outbox = Outbox(OutboxMessage)
THRESHOLD_CHANGES = Counted("rollcall_threshold_changes_total", "Crossings and clearings, by rule", ["rule", "type"])
SCHOOL_CHANGES = Counted("rollcall_school_attendance_changes_total", "Schools below their attendance target and back",
                         ["type"])  # fmt: skip

log = logging.getLogger(__name__)


async def publish_threshold_changes(session: AsyncSession, changes: list[tuple[ThresholdChanged, str | None]]) -> None:
    """Queue each change on `eligibility.thresholds.v1` with the correlation id of what caused it."""
    await outbox.add(
        session,
        [
            (
                topics.THRESHOLDS,
                topics.student_key(change.district_id, change.student_id),
                change.to_json(),
                {CORRELATION_HEADER: correlation} if correlation else None,
            )
            for change, correlation in changes
        ],
    )
    for change, correlation in changes:
        log.info("%s %s, event %s", change.type, change.rule_id, change.event_id,
                 extra={"correlation_id": correlation} if correlation else None)  # fmt: skip
    for (rule, kind), count in Counter((change.rule_id, change.type) for change, _ in changes).items():
        count_on_commit(session, THRESHOLD_CHANGES, count, rule=rule, type=kind)


async def publish_school_changes(session: AsyncSession, changes: list[SchoolAttendanceChanged]) -> None:
    """Queue each change on `eligibility.schools.v1`, keyed by its school."""
    await outbox.add(
        session, [(topics.SCHOOLS, topics.school_key(c.district_id, c.school_id), c.to_json()) for c in changes]
    )
    for change in changes:
        log.info("%s at school %s, event %s", change.type, change.school_id, change.event_id)
    for kind, count in Counter(change.type for change in changes).items():
        count_on_commit(session, SCHOOL_CHANGES, count, type=kind)


async def publish_dead_letter(session: AsyncSession, record: ConsumerRecord, reason: str, group: str) -> None:
    """Queue a message that could not be processed, with why and where it came from."""
    await dead_letter(outbox, session, record, reason, group)
