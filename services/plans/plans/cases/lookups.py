"""What the plans API checks before it acts: the case a path names (404), open (409), and a known staff member (422)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.problems import Problem

from plans.cases import repository
from plans.cases.models import Case
from plans.staff.repository import member


async def case_or_404(session: AsyncSession, district_id: str, case_id: str, *, lock: bool = False) -> Case:
    case = await repository.case(session, district_id, case_id, lock=lock)
    if case is None:
        raise Problem(404, "Not found", f"no case {case_id} in district {district_id}")
    return case


async def open_case_or_409(session: AsyncSession, district_id: str, case_id: str) -> Case:
    """The open case, locked, so a clearing consumed meanwhile sees whether staff acted on it."""
    case = await case_or_404(session, district_id, case_id, lock=True)
    if case.status != "open":
        raise Problem(409, "Conflict", f"case {case_id} is closed ({case.outcome}); it can no longer change")
    return case


async def known_staff(session: AsyncSession, district_id: str, staff_id: str) -> None:
    if await member(session, district_id, staff_id) is None:
        raise Problem(422, "Invalid request", f"staffId: no staff member {staff_id} in district {district_id}")
