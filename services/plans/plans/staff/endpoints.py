"""Staff who own cases, and each school's attendance team."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import Field

from rollcall_shared.auth import OPERATOR, OPERATOR_OR_STAFF
from rollcall_shared.problems import Problem
from rollcall_shared.schemas import Camel
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from plans.staff import repository
from plans.staff.models import Staff

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["staff"])


class StaffBody(Camel):
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(None, max_length=100, description="e.g. counselor, attendance clerk, social worker")
    active: bool = True


class StaffView(StaffBody):
    staff_id: str


class Team(Camel):
    staff_ids: list[str] = Field(max_length=200, description="The school's attendance team; cases are shared among them")


@router.put(
    "/staff/{staff_id}",
    dependencies=[OPERATOR],
    response_model=StaffView,
    response_model_by_alias=True,
)
async def put_staff(district_id: DistrictId, staff_id: str, body: StaffBody, session: Session) -> StaffView:
    """Add or change a staff member; an inactive one gets no new cases."""
    found = await repository.member(session, district_id, staff_id)
    if found is None:
        found = Staff(district_id=district_id, staff_id=staff_id)
        session.add(found)
    found.name, found.role, found.active, found.updated_at = body.name, body.role, body.active, datetime.now(UTC)
    return StaffView(staff_id=staff_id, **body.model_dump())


@router.get(
    "/staff",
    dependencies=[OPERATOR_OR_STAFF],
    response_model=list[StaffView],
    response_model_by_alias=True,
)
async def list_staff(district_id: DistrictId, session: Session) -> list[StaffView]:
    return [
        StaffView(staff_id=s.staff_id, name=s.name, role=s.role, active=s.active)
        for s in await repository.staff(session, district_id)
    ]


@router.put(
    "/schools/{school_id}/team",
    dependencies=[OPERATOR],
    response_model=Team,
    response_model_by_alias=True,
)
async def put_team(district_id: DistrictId, school_id: str, body: Team, session: Session) -> Team:
    """Name the school's attendance team: its new cases go to the member with the lightest open caseload."""
    known = {s.staff_id for s in await repository.staff(session, district_id)}
    if unknown := sorted(set(body.staff_ids) - known):
        raise Problem(422, "Invalid request", f"staffIds: unknown staff {', '.join(unknown)}; PUT /staff/{{id}} first")
    await repository.replace_team(session, district_id, school_id, sorted(set(body.staff_ids)))
    return Team(staff_ids=sorted(set(body.staff_ids)))


@router.get(
    "/schools/{school_id}/team",
    dependencies=[OPERATOR_OR_STAFF],
    response_model=Team,
    response_model_by_alias=True,
)
async def get_team(district_id: DistrictId, school_id: str, session: Session) -> Team:
    return Team(staff_ids=await repository.team(session, district_id, school_id))
