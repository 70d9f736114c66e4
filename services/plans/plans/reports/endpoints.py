"""Reports on a district's cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rollcall_shared.auth import STAFF_OR_READER
from rollcall_shared.clock import Now
from rollcall_shared.events import school_year_of
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from plans.attendance import repository as attendance
from plans.attendance.days import school_year_span
from plans.reports import repository
from plans.reports.effectiveness import measure
from plans.reports.schemas import EffectivenessReport, InterventionEffect

router = APIRouter(
    prefix="/v1/districts/{district_id}/reports",
    tags=["reports"],
    dependencies=[STAFF_OR_READER],
)


@router.get("/interventions", response_model=EffectivenessReport, response_model_by_alias=True)
async def intervention_effectiveness(
    district_id: DistrictId,
    session: Session,
    clock: Now,
    school_year: Annotated[int | None, Query(alias="schoolYear", ge=1900, le=2200,
                                             description="e.g. 2026 for 2025-26; the current one by default")] = None,
    school_days: Annotated[int, Query(alias="schoolDays", ge=1, le=90,
                                      description="N: school days measured before and after each start")] = 20,
) -> EffectivenessReport:
    """For each intervention kind and school (and the whole district): attendance over the N school days before it
    started against the N after, with how many students each figure rests on."""
    year = school_year or school_year_of(clock.today())
    starts = await repository.first_starts(session, district_id, year)
    first, last = school_year_span(year)
    days = await attendance.student_days(session, district_id, {start.student_id for start in starts}, first, last)
    effects = measure(starts, days, school_days)
    return EffectivenessReport(
        school_year=year, school_days=school_days, interventions=[InterventionEffect.of(e) for e in effects]
    )
