"""The plan API: the seeded vocabularies, a case's plan, and what staff record on it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF
from rollcall_shared.clock import Now
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from plans.base import AuditEntry
from plans.cases.lookups import case_or_404, known_staff, open_case_or_409
from plans.plan import repository, service
from plans.plan.models import PlanBarrier
from plans.plan.schemas import (
    Acknowledgement, Barrier, BarrierGroup, CatalogTier, Goal, Intervention, InterventionChange, Labelled, Meeting,
    NewAcknowledgement, NewBarriers, NewGoal, NewIntervention, NewMeeting, NewNote, Note, Plan,
)  # fmt: skip
from plans.plan.taxonomy import BARRIERS, GROUP_OF, INTERVENTIONS, TIER_OF

router = APIRouter(
    prefix="/v1/districts/{district_id}",
    tags=["plan"],
    dependencies=[STAFF, audited(AuditEntry, "case", "case_id", only_records=True)],
)
PLAN = "/cases/{case_id}/plan"


@router.get("/barriers", response_model=list[BarrierGroup], response_model_by_alias=True)
async def barriers(district_id: DistrictId) -> list[BarrierGroup]:
    """The Attendance Works root causes a plan's barriers are chosen from, by group."""
    return [BarrierGroup.model_validate({"group": g, "barriers": _labelled(codes)}) for g, codes in BARRIERS.items()]


@router.get(
    "/interventions/catalog",
    response_model=list[CatalogTier],
    response_model_by_alias=True,
)
async def catalog(district_id: DistrictId) -> list[CatalogTier]:
    """The tiered interventions a plan's interventions are chosen from."""
    return [
        CatalogTier.model_validate({"tier": tier, "interventions": _labelled(codes)})
        for tier, codes in INTERVENTIONS.items()
    ]


@router.get(PLAN, response_model=Plan, response_model_by_alias=True)
async def get_plan(district_id: DistrictId, case_id: str, session: Session) -> Plan:
    """The case's barriers, goal, interventions, meetings, notes and the family's acknowledgements."""
    case = await case_or_404(session, district_id, case_id)
    return await service.current_plan(session, case=case)


@router.post(
    f"{PLAN}/barriers",
    response_model=list[Barrier],
    response_model_by_alias=True,
    status_code=201,
)
async def add_barriers(district_id: DistrictId, case_id: str, body: NewBarriers, session: Session) -> list[Barrier]:
    """Add root causes to the plan; every code must be in the taxonomy."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    if unknown := sorted(set(body.codes) - GROUP_OF.keys()):
        raise Problem(422, "Invalid request", f"codes: unknown barrier(s) {', '.join(unknown)}; see GET /barriers")
    await service.add_barriers(session, case=case, codes=body.codes, staff_id=body.staff_id, now=_now())
    return [Barrier.of(row) for row in await repository.rows(session, PlanBarrier, case_id)]


@router.post(f"{PLAN}/goal", response_model=Goal, response_model_by_alias=True, status_code=201)
async def set_goal(district_id: DistrictId, case_id: str, body: NewGoal, session: Session, clock: Now) -> Goal:
    """Set the SMART goal; the case's follow-up moves to its review, when its last school day closes."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    goal = await service.set_goal(session, case=case, goal=body, now=clock.now(), today=clock.today())
    return await service.goal_view(session, case=case, goal=goal)


@router.post(
    f"{PLAN}/interventions",
    response_model=Intervention,
    response_model_by_alias=True,
    status_code=201,
)
async def add_intervention(district_id: DistrictId, case_id: str, body: NewIntervention, session: Session) -> Intervention:
    """Add an intervention of the catalog, carried out by its owner."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    if body.code not in TIER_OF:
        raise Problem(422, "Invalid request", f"code: unknown intervention {body.code}; see GET /interventions/catalog")
    await known_staff(session, district_id, body.owner_id)
    return Intervention.of(await service.add_intervention(session, case=case, new=body, now=_now()))


@router.patch(
    f"{PLAN}/interventions/{{intervention_id}}",
    response_model=Intervention,
    response_model_by_alias=True,
)
async def change_intervention(
    district_id: DistrictId, case_id: str, intervention_id: int, body: InterventionChange, session: Session
) -> Intervention:
    """Move an intervention on (planned, active, done) or set its end date."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    row = await repository.intervention(session, case_id, intervention_id)
    if row is None:
        raise Problem(404, "Not found", f"no intervention {intervention_id} on case {case_id}")
    await service.change_intervention(session, case=case, row=row, change=body, now=_now())
    return Intervention.of(row)


@router.post(
    f"{PLAN}/meetings",
    response_model=Meeting,
    response_model_by_alias=True,
    status_code=201,
)
async def add_meeting(district_id: DistrictId, case_id: str, body: NewMeeting, session: Session) -> Meeting:
    """Record a meeting about the plan, whether or not the family came."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    for staff_id in body.staff_ids:
        await known_staff(session, district_id, staff_id)
    return Meeting.model_validate(await service.add_meeting(session, case=case, new=body, now=_now()))


@router.post(f"{PLAN}/notes", response_model=Note, response_model_by_alias=True, status_code=201)
async def add_note(district_id: DistrictId, case_id: str, body: NewNote, session: Session) -> Note:
    case = await _changeable(session, district_id, case_id, body.staff_id)
    return Note.model_validate(await service.add_note(session, case=case, new=body, now=_now()))


@router.post(
    f"{PLAN}/acknowledgements",
    response_model=Acknowledgement,
    response_model_by_alias=True,
    status_code=201,
)
async def add_acknowledgement(
    district_id: DistrictId, case_id: str, body: NewAcknowledgement, session: Session
) -> Acknowledgement:
    """Record that the family acknowledged the plan: when, who, and how."""
    case = await _changeable(session, district_id, case_id, body.staff_id)
    return Acknowledgement.model_validate(await service.add_acknowledgement(session, case=case, new=body, now=_now()))


async def _changeable(session, district_id: str, case_id: str, staff_id: str):
    """The open case, locked, for a known staff member: else 422, 404 or 409."""
    await known_staff(session, district_id, staff_id)
    return await open_case_or_409(session, district_id, case_id)


def _labelled(codes: dict[str, str]) -> list[Labelled]:
    return [Labelled(code=code, label=label) for code, label in codes.items()]


def _now() -> datetime:
    return datetime.now(UTC)
