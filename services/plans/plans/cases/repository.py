"""Every query of cases, their reasons and timelines."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.pagination import Keyset

from plans.cases.models import Case, CaseEntry, CaseReason


async def open_case(session: AsyncSession, district_id: str, student_id: str) -> Case | None:
    return await session.scalar(
        select(Case)
        .where(Case.district_id == district_id, Case.student_id == student_id, Case.status == "open")
        .with_for_update()
    )


async def case(session: AsyncSession, district_id: str, case_id: str, *, lock: bool = False) -> Case | None:
    query = select(Case).where(Case.district_id == district_id, Case.case_id == case_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def cases_of_student(session: AsyncSession, district_id: str, student_id: str) -> int:
    return await session.scalar(
        select(func.count()).select_from(Case).where(Case.district_id == district_id, Case.student_id == student_id)
    ) or 0


async def reasons(session: AsyncSession, case_id: str) -> list[CaseReason]:
    return list(await session.scalars(select(CaseReason).where(CaseReason.case_id == case_id).order_by(CaseReason.added_at)))


async def reasons_of(session: AsyncSession, case_ids: list[str]) -> dict[str, list[str]]:
    """Each case's reasons, in the order they joined."""
    found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    rows = await session.execute(
        select(CaseReason.case_id, CaseReason.rule_id)
        .where(CaseReason.case_id.in_(case_ids))
        .order_by(CaseReason.added_at, CaseReason.rule_id)
    )
    for case_id, rule_id in rows:
        found[case_id].append(rule_id)
    return found


async def timeline(session: AsyncSession, case_id: str) -> list[CaseEntry]:
    return list(await session.scalars(select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.entry_id)))


async def page(
    session: AsyncSession, *, district_id: str, filters: dict[str, Any], overdue_on: date | None, page: Keyset
) -> list[Case]:
    query = select(Case).where(Case.district_id == district_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Case, name) == value)
    if overdue_on is not None:
        query = query.where(Case.status == "open", Case.follow_up_due < overdue_on)
    return list(await session.scalars(page.query(query, Case.case_id)))


async def open_by_tier(session: AsyncSession) -> list[tuple[int, int]]:
    """(tier, open cases) across districts: a figure for operators, naming no district."""
    rows = await session.execute(select(Case.tier, func.count()).where(Case.status == "open").group_by(Case.tier))
    return [(tier, count) for tier, count in rows]
