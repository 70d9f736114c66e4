"""Queries of stored roster documents; every one is bound to a single district."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest.roster.models import RosterDocument


async def students(
    session: AsyncSession, *, district_id: str, student_ids: Collection[str]
) -> list[dict[str, Any]]:
    """The stored documents of the named students."""
    if not student_ids:
        return []
    return await _documents(
        session, district_id, "student", RosterDocument.student_id.in_(sorted(student_ids))
    )


async def contacts(
    session: AsyncSession, *, district_id: str, contact_ids: Collection[str]
) -> list[dict[str, Any]]:
    """The stored documents of the named contacts."""
    if not contact_ids:
        return []
    return await _documents(
        session, district_id, "contact", RosterDocument.contact_id.in_(sorted(contact_ids))
    )


async def student_contacts(
    session: AsyncSession, *, district_id: str, student_ids: Collection[str], contact_ids: Collection[str]
) -> list[dict[str, Any]]:
    """Every stored association of a named student or of a named contact, each once."""
    if not student_ids and not contact_ids:
        return []
    return await _documents(session, district_id, "studentContactAssociation", or_(
        RosterDocument.student_id.in_(sorted(student_ids)),
        RosterDocument.contact_id.in_(sorted(contact_ids)),
    ))


async def _documents(
    session: AsyncSession, district_id: str, resource: str, named: ColumnElement[bool]
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(RosterDocument.document)
        .where(RosterDocument.district_id == district_id, RosterDocument.resource == resource, named)
        .order_by(RosterDocument.resource_id)
    )
    return list(rows.all())
