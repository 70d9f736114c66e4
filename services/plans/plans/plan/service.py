"""Recording a plan on an open case: each change marks the case acted on, audited and published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from plans.cases.models import Case
from plans.cases.service import record
from plans.plan import repository
from plans.plan.models import PlanAcknowledgement, PlanBarrier, PlanGoal, PlanIntervention, PlanMeeting, PlanNote
from plans.plan.schemas import InterventionChange, NewAcknowledgement, NewGoal, NewIntervention, NewMeeting, NewNote


async def add_barriers(session: AsyncSession, *, case: Case, codes: list[str], staff_id: str, now: datetime) -> None:
    """Barriers already on the plan stay as first recorded."""
    known = {row.code for row in await repository.rows(session, PlanBarrier, case.case_id)}
    new = sorted(set(codes) - known)
    session.add_all(PlanBarrier(case_id=case.case_id, code=code, recorded_by=staff_id, recorded_at=now) for code in new)
    await _acted(session, case, f"{len(new)} barrier(s) recorded", staff_id, now, {"barriers": new})


async def set_goal(session: AsyncSession, *, case: Case, goal: NewGoal, now: datetime) -> None:
    """A new goal replaces the plan's goal; the old one stays on the timeline."""
    fields = {"max_absences": goal.max_absences, "school_days": goal.school_days, "start_date": goal.start_date}
    await session.merge(PlanGoal(case_id=case.case_id, recorded_by=goal.staff_id, recorded_at=now, **fields))
    await _acted(session, case, "goal set", goal.staff_id, now, {**fields, "start_date": goal.start_date.isoformat()})


async def add_intervention(session: AsyncSession, *, case: Case, new: NewIntervention, now: datetime) -> PlanIntervention:
    row = PlanIntervention(
        case_id=case.case_id, code=new.code, owner_id=new.owner_id, start_date=new.start_date, end_date=new.end_date,
        status=new.status, recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    detail = {"interventionId": row.intervention_id, "code": row.code, "ownerId": row.owner_id, "status": row.status}
    await _acted(session, case, f"intervention {row.intervention_id} {row.status}", new.staff_id, now, detail)
    return row


async def change_intervention(
    session: AsyncSession, *, case: Case, row: PlanIntervention, change: InterventionChange, now: datetime
) -> None:
    if change.status is not None:
        row.status = change.status
    if change.end_date is not None:
        row.end_date = change.end_date
    detail = {"interventionId": row.intervention_id, "status": row.status, "endDate": str(row.end_date)}
    await _acted(session, case, f"intervention {row.intervention_id} {row.status}", change.staff_id, now, detail)


async def add_meeting(session: AsyncSession, *, case: Case, new: NewMeeting, now: datetime) -> PlanMeeting:
    row = PlanMeeting(
        case_id=case.case_id, held_on=new.held_on, staff_ids=sorted(set(new.staff_ids)), family_members=new.family_members,
        family_attended=new.family_attended, notes=new.notes, recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    family = "with the family" if new.family_attended else "without the family"
    detail = {"meetingId": row.meeting_id, "heldOn": new.held_on.isoformat(), "familyAttended": new.family_attended}
    await _acted(session, case, f"meeting recorded, {family}", new.staff_id, now, detail)
    return row


async def add_note(session: AsyncSession, *, case: Case, new: NewNote, now: datetime) -> PlanNote:
    row = PlanNote(case_id=case.case_id, text=new.text, recorded_by=new.staff_id, recorded_at=now)
    session.add(row)
    await session.flush()
    await _acted(session, case, "note added", new.staff_id, now, {"noteId": row.note_id})
    return row


async def add_acknowledgement(
    session: AsyncSession, *, case: Case, new: NewAcknowledgement, now: datetime
) -> PlanAcknowledgement:
    row = PlanAcknowledgement(
        case_id=case.case_id, acknowledged_on=new.acknowledged_on, acknowledged_by=new.acknowledged_by, how=new.how,
        recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    detail = {"acknowledgementId": row.acknowledgement_id, "how": new.how}
    await _acted(session, case, f"plan acknowledged by the family ({new.how})", new.staff_id, now, detail)
    return row


async def _acted(session: AsyncSession, case: Case, change: str, staff_id: str, now: datetime, detail: dict[str, Any]) -> None:
    # `change` and `detail` carry codes and ids only: free text about the family stays in the plan's tables.
    case.acted_on = True
    await record(session, case, "case.updated", change, f"staff:{staff_id}:{now.isoformat()}", staff_id, now, detail)
