"""Queries of staff, teams and caseloads."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from plans.cases.models import Case
from plans.staff.models import Staff, TeamMember


async def staff(session: AsyncSession, district_id: str) -> list[Staff]:
    return list(await session.scalars(select(Staff).where(Staff.district_id == district_id).order_by(Staff.staff_id)))


async def member(session: AsyncSession, district_id: str, staff_id: str) -> Staff | None:
    return await session.get(Staff, (district_id, staff_id))


async def team(session: AsyncSession, district_id: str, school_id: str) -> list[str]:
    found = await session.scalars(
        select(TeamMember.staff_id).where(TeamMember.district_id == district_id, TeamMember.school_id == school_id)
    )
    return sorted(found)


async def replace_team(session: AsyncSession, district_id: str, school_id: str, staff_ids: list[str]) -> None:
    await session.execute(
        delete(TeamMember).where(TeamMember.district_id == district_id, TeamMember.school_id == school_id)
    )
    session.add_all(TeamMember(district_id=district_id, school_id=school_id, staff_id=s) for s in staff_ids)


async def lightest_caseload(session: AsyncSession, district_id: str, school_id: str) -> str | None:
    """The active member of the school's team with the fewest open cases (the first by id on a tie)."""
    open_cases = (
        select(Case.owner_id, func.count().label("cases"))
        .where(Case.district_id == district_id, Case.status == "open")
        .group_by(Case.owner_id)
        .subquery()
    )
    query = (
        select(TeamMember.staff_id)
        .join(Staff, (Staff.district_id == TeamMember.district_id) & (Staff.staff_id == TeamMember.staff_id))
        .outerjoin(open_cases, open_cases.c.owner_id == TeamMember.staff_id)
        .where(TeamMember.district_id == district_id, TeamMember.school_id == school_id, Staff.active.is_(True))
        .order_by(func.coalesce(open_cases.c.cases, 0), TeamMember.staff_id)
        .limit(1)
    )
    return await session.scalar(query)
