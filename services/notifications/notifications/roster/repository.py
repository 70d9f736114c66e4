"""Queries of the roster projection."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of, upsert

from notifications.roster.models import Guardian, Student, StudentGuardian


async def save_students(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, Student.__table__, rows, keys=["district_id", "student_id"])


async def save_guardians(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, Guardian.__table__, rows, keys=["district_id", "contact_id"])


async def save_links(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await upsert(session, StudentGuardian.__table__, rows, keys=["district_id", "student_id", "contact_id"])


async def links_of_students(session: AsyncSession, district_id: str, student_ids: Collection[str]) -> list[StudentGuardian]:
    found = await session.scalars(
        select(StudentGuardian).where(
            StudentGuardian.district_id == district_id,
            one_of(session, StudentGuardian.student_id, list(student_ids)),
        )
    )
    return list(found)


async def lives_with_links_of_guardians(
    session: AsyncSession, district_id: str, contact_ids: Collection[str]
) -> list[StudentGuardian]:
    found = await session.scalars(
        select(StudentGuardian).where(
            StudentGuardian.district_id == district_id,
            StudentGuardian.lives_with.is_(True),
            one_of(session, StudentGuardian.contact_id, list(contact_ids)),
        )
    )
    return list(found)


async def students(session: AsyncSession, district_id: str, student_ids: Collection[str]) -> dict[str, Student]:
    found = await session.scalars(
        select(Student).where(Student.district_id == district_id, one_of(session, Student.student_id, list(student_ids)))
    )
    return {student.student_id: student for student in found}


async def guardians(session: AsyncSession, district_id: str, contact_ids: Collection[str]) -> dict[str, Guardian]:
    found = await session.scalars(
        select(Guardian).where(Guardian.district_id == district_id, one_of(session, Guardian.contact_id, list(contact_ids)))
    )
    return {guardian.contact_id: guardian for guardian in found}


async def guardian(session: AsyncSession, district_id: str, contact_id: str | None) -> Guardian | None:
    if contact_id is None:
        return None
    return await session.get(Guardian, (district_id, contact_id))
