"""Every query of a case's plan."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def case_to_change(session: AsyncSession, district_id: str, case_id: str) -> Case | None:
    """The case, locked so a clearing consumed meanwhile sees whether staff acted on it."""
    return await session.scalar(
        select(Case).where(Case.district_id == district_id, Case.case_id == case_id).with_for_update()
    )


async def rows(session: AsyncSession, model: type[Row], case_id: str) -> list[Row]:
    return list(await session.scalars(select(model).where(model.case_id == case_id).order_by(*ORDER[model])))


async def goal(session: AsyncSession, case_id: str) -> PlanGoal | None:
    return await session.get(PlanGoal, case_id)


async def intervention(session: AsyncSession, case_id: str, intervention_id: int) -> PlanIntervention | None:
    found = await session.get(PlanIntervention, intervention_id)
    return found if found is not None and found.case_id == case_id else None
