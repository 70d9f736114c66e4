"""The queries behind the reports."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plans.cases.models import Case
from plans.plan.models import PlanIntervention
from plans.reports.effectiveness import Start


async def first_starts(session: AsyncSession, district_id: str, school_year: int) -> list[Start]:
    """Each student's first start of each intervention kind carried out (active or done), by the case's school."""
    rows = await session.execute(
        select(PlanIntervention.code, Case.school_id, Case.student_id, func.min(PlanIntervention.start_date))
        .join(Case, Case.case_id == PlanIntervention.case_id)
        .where(Case.district_id == district_id, Case.school_year == school_year,
               PlanIntervention.status.in_(("active", "done")))
        .group_by(PlanIntervention.code, Case.school_id, Case.student_id)
    )  # fmt: skip
    return [Start(code, school_id, student_id, start) for code, school_id, student_id, start in rows]
