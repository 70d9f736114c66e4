"""What plans emits: every change of a case, through its outbox."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import CaseChanged, deterministic_id
from rollcall_shared.metrics import count_on_commit
from rollcall_shared.outbox import Outbox

from plans.base import OutboxMessage
from plans.cases.models import Case

outbox = Outbox(OutboxMessage)
CASE_CHANGES = Counter("rollcall_case_changes_total", "Changes of cases, by type and the case's tier after it", ["type", "tier"])
OPEN_CASES = Gauge("rollcall_open_cases", "Open cases, by tier", ["tier"])


async def publish_case_change(
    session: AsyncSession, *, case: Case, reasons: list[str], event_type: str, change: str, cause: str, now: datetime
) -> None:
    """Queue one change on `plans.cases.v1`; `cause` (an event or request id) makes its id deterministic."""
    event = CaseChanged(
        event_id=deterministic_id("case", case.case_id, event_type, cause),
        district_id=case.district_id,
        type=event_type,
        case_id=case.case_id,
        student_id=case.student_id,
        school_id=case.school_id,
        kind=case.kind,
        tier=case.tier,
        status=case.status,
        reasons=reasons,
        owner_id=case.owner_id,
        follow_up_due=case.follow_up_due,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        proposed_outcome=case.proposed_outcome,
        occurred_at=now,
        change=change,
    )
    await outbox.add(session, [(topics.CASES, topics.student_key(case.district_id, case.student_id), event.to_json())])
    count_on_commit(session, CASE_CHANGES, type=event_type, tier=str(case.tier))
