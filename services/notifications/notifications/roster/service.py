"""The roster projection: kept current from ingest's documents; households and who to write to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import deterministic_id

from notifications.roster import repository
from notifications.roster.client import Documents
from notifications.roster.documents import guardian_row, link_row, student_row
from notifications.roster.models import Guardian, StudentGuardian

MAX_HOUSEHOLD_HOPS = 4
"""Siblings through shared guardians, followed this far; real households are one or two hops."""


async def refresh(session: AsyncSession, *, district_id: str, documents: Documents, now: datetime) -> None:
    """Replace the projection's rows for every document read from ingest."""
    stamp = {"district_id": district_id, "updated_at": now}
    await repository.save_students(
        session, _unique([student_row(d) | stamp for d in documents.get("students", [])], "student_id")
    )
    await repository.save_guardians(
        session, _unique([guardian_row(d) | stamp for d in documents.get("contacts", [])], "contact_id")
    )
    links = [link_row(d) | stamp for d in documents.get("studentContactAssociations", [])]
    await repository.save_links(session, list({(r["student_id"], r["contact_id"]): r for r in links}.values()))


def _unique(rows: list[dict], key: str) -> list[dict]:
    return list({row[key]: row for row in rows}.values())


@dataclass(frozen=True)
class Household:
    household_id: str
    student_ids: frozenset[str]
    recipient: Guardian | None
    """Who the household's letters and messages are addressed to."""


async def household_of(session: AsyncSession, *, district_id: str, student_id: str) -> Household:
    """The students who share a guardian living with them, and the guardian to write to.

    A student with no guardian living with them is a household alone.
    """
    students, guardians = {student_id}, set[str]()
    frontier = {student_id}
    for _ in range(MAX_HOUSEHOLD_HOPS):
        links = await repository.links_of_students(session, district_id, frontier)
        new_guardians = {link.contact_id for link in links if link.lives_with} - guardians
        if not new_guardians:
            break
        guardians |= new_guardians
        siblings = await repository.lives_with_links_of_guardians(session, district_id, new_guardians)
        frontier = {link.student_id for link in siblings} - students
        students |= frontier
        if not frontier:
            break
    own_links = await repository.links_of_students(session, district_id, [student_id])
    recipient = await _recipient(session, district_id, own_links)
    household_id = (
        deterministic_id(district_id, "household", min(guardians))
        if guardians
        else deterministic_id(district_id, "household-of", student_id)
    )
    return Household(household_id=household_id, student_ids=frozenset(students), recipient=recipient)


async def _recipient(session: AsyncSession, district_id: str, links: list[StudentGuardian]) -> Guardian | None:
    """A primary contact living with the student, else one living with them, else a primary contact."""
    ordered = sorted(
        links, key=lambda link: (not link.lives_with, not link.primary_contact, link.priority or 99, link.contact_id)
    )
    known = await repository.guardians(session, district_id, [link.contact_id for link in ordered])
    return next((known[link.contact_id] for link in ordered if link.contact_id in known), None)
