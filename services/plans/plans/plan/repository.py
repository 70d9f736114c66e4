"""Every query of a case's plan."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of

from plans.cases.models import Case
from plans.plan.models import PlanAcknowledgement, PlanBarrier, PlanGoal, PlanIntervention, PlanMeeting, PlanNote

Row = TypeVar("Row", PlanBarrier, PlanIntervention, PlanMeeting, PlanNote, PlanAcknowledgement)

ORDER = {
    PlanBarrier: (PlanBarrier.recorded_at, PlanBarrier.code),
    PlanIntervention: (PlanIntervention.intervention_id,),
    PlanMeeting: (PlanMeeting.meeting_id,),
    PlanNote: (PlanNote.note_id,),
    PlanAcknowledgement: (PlanAcknowledgement.acknowledgement_id,),
}


async def rows(session: AsyncSession, model: type[Row], case_id: str) -> list[Row]:
    return list(await session.scalars(select(model).where(model.case_id == case_id).order_by(*ORDER[model])))


async def goal(session: AsyncSession, case_id: str) -> PlanGoal | None:
    return await session.get(PlanGoal, case_id)


async def intervention(session: AsyncSession, case_id: str, intervention_id: int) -> PlanIntervention | None:
    found = await session.get(PlanIntervention, intervention_id)
    return found if found is not None and found.case_id == case_id else None


async def undecided_goals(
    session: AsyncSession, district_id: str, student_ids: Collection[str]
) -> list[tuple[Case, PlanGoal]]:
    """The open cases of these students whose goal awaits its review, locked like a staff change would."""
    rows = await session.execute(
        select(Case, PlanGoal)
        .join(PlanGoal, PlanGoal.case_id == Case.case_id)
        .where(Case.district_id == district_id, one_of(session, Case.student_id, sorted(set(student_ids))),
               Case.status == "open", PlanGoal.outcome.is_(None))
        .order_by(Case.case_id)
        .with_for_update(of=Case)
    )  # fmt: skip
    return [(case, goal) for case, goal in rows]
