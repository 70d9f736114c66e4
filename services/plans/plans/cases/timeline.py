"""What the family was sent, on the student's open case's timeline."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import OutreachStatusChanged

from plans.cases import repository
from plans.cases.models import CaseEntry


async def note_outreach(session: AsyncSession, *, change: OutreachStatusChanged) -> None:
    """A status change of outreach to the family joins the timeline of the student's open case, if any."""
    case = await repository.open_case(session, change.district_id, change.student_id)
    if case is None:
        return
    session.add(CaseEntry(
        case_id=case.case_id, at=change.updated_at, actor="notifications", what="outreach",
        detail={
            "outreachId": change.outreach_id, "ruleId": change.rule_id, "channel": change.channel,
            "kind": change.kind, "status": change.status, "reason": change.reason, "language": change.language,
        },
    ))  # fmt: skip
