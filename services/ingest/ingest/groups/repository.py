"""Queries of group documents; every one is bound to a single district."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of, upsert

from ingest.groups.models import GroupDocument, GroupedStudent


async def lock_students(session: AsyncSession, *, district_id: str, student_ids: Collection[str]) -> None:
    """Wait for any other transaction writing these students' group documents (in id order: no deadlock)."""
    ids = sorted(student_ids)
    rows = [{"district_id": district_id, "student_id": student_id} for student_id in ids]
    await upsert(session, GroupedStudent.__table__, rows, keys=["district_id", "student_id"])
    await session.execute(
        select(GroupedStudent.student_id)
        .where(GroupedStudent.district_id == district_id, one_of(session, GroupedStudent.student_id, ids))
        .order_by(GroupedStudent.student_id)
        .with_for_update()
    )


async def documents(
    session: AsyncSession, *, district_id: str, student_ids: Collection[str]
) -> list[tuple[str, str, dict[str, Any]]]:
    """`(student_id, resource, document)` of every current group document of the students, by key."""
    rows = await session.execute(
        select(GroupDocument.student_id, GroupDocument.resource, GroupDocument.document)
        .where(GroupDocument.district_id == district_id, one_of(session, GroupDocument.student_id, sorted(student_ids)))
        .order_by(GroupDocument.student_id, GroupDocument.resource, GroupDocument.resource_id)
    )
    return [(student_id, resource, document) for student_id, resource, document in rows]
