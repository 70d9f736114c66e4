"""Queries of group documents; every one is bound to a single district."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of, upsert

from ingest.groups.models import GroupedStudent

Documents = dict[str, dict[str, Any]]
"""A student's current group documents by key (`GroupedStudent.documents`)."""


async def lock_students(
    session: AsyncSession, *, district_id: str, student_ids: Collection[str]
) -> dict[str, Documents]:
    """Wait for any other transaction writing these students' group documents (in id order: no deadlock), then read
    them: one query and one token per student, however many documents."""
    ids = sorted(student_ids)
    rows = [{"district_id": district_id, "student_id": student_id} for student_id in ids]
    await upsert(session, GroupedStudent.__table__, rows, keys=["district_id", "student_id"])
    locked = await session.execute(
        select(GroupedStudent.student_id, GroupedStudent.documents)
        .where(GroupedStudent.district_id == district_id, one_of(session, GroupedStudent.student_id, ids))
        .order_by(GroupedStudent.student_id)
        .with_for_update()
    )
    return {student_id: documents or {} for student_id, documents in locked}


async def save_documents(session: AsyncSession, *, district_id: str, documents: Mapping[str, Documents]) -> None:
    """Each student's documents, whole, in place of what was stored (their rows are locked)."""
    rows = [
        {"district_id": district_id, "student_id": student_id, "documents": held}
        for student_id, held in sorted(documents.items())
    ]
    await upsert(session, GroupedStudent.__table__, rows, keys=["district_id", "student_id"])
