"""Students, contacts and their associations: stored whole, announced by id only, read by id."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import RosterChanged

from ingest.current import Applied, content_hash, write_current
from ingest.edfi.resources import Contact, RosterResource, Student, StudentContactAssociation
from ingest.publishers import new_event_id
from ingest.roster import repository
from ingest.roster.models import RosterDocument
from ingest.roster.schemas import RosterDocuments

Resource = Literal["student", "contact", "studentContactAssociation"]
R = TypeVar("R", bound=RosterResource)


async def record_students(
    session: AsyncSession, *, district_id: str, records: Sequence[tuple[int, Student]], now: datetime
) -> Applied:
    return await _record(session, district_id, "student", records, now, lambda record: (
        record.student_unique_id, None
    ))


async def record_contacts(
    session: AsyncSession, *, district_id: str, records: Sequence[tuple[int, Contact]], now: datetime
) -> Applied:
    return await _record(session, district_id, "contact", records, now, lambda record: (
        None, record.contact_unique_id
    ))


async def record_student_contacts(
    session: AsyncSession,
    *,
    district_id: str,
    records: Sequence[tuple[int, StudentContactAssociation]],
    now: datetime,
) -> Applied:
    return await _record(session, district_id, "studentContactAssociation", records, now, lambda record: (
        record.student_reference.student_unique_id, record.contact_reference.contact_unique_id
    ))


async def read_roster(
    session: AsyncSession,
    *,
    district_id: str,
    student_ids: Collection[str],
    contact_ids: Collection[str],
) -> RosterDocuments:
    """The named students and contacts, with every association of any of them."""
    return RosterDocuments(
        students=await repository.students(session, district_id=district_id, student_ids=student_ids),
        contacts=await repository.contacts(session, district_id=district_id, contact_ids=contact_ids),
        student_contact_associations=await repository.student_contacts(
            session, district_id=district_id, student_ids=student_ids, contact_ids=contact_ids
        ),
    )


async def _record(
    session: AsyncSession,
    district_id: str,
    resource: Resource,
    records: Sequence[tuple[int, R]],
    now: datetime,
    ids: Callable[[R], tuple[str | None, str | None]],
) -> Applied:
    """`ids` gives a record's student and contact ids; together they name the document."""
    rows = []
    for _, record in records:
        student_id, contact_id = ids(record)
        document = record.document()
        rows.append({
            "district_id": district_id,
            "resource": resource,
            "resource_id": "/".join(part for part in (student_id, contact_id) if part),
            "student_id": student_id,
            "contact_id": contact_id,
            "document": document,
            "content_hash": content_hash(document),
            "recorded_at": now,
        })
    changed = await write_current(session, RosterDocument.__table__, rows)
    return Applied.of(records, rows, changed, lambda row: RosterChanged(
        event_id=new_event_id(),
        district_id=district_id,
        recorded_at=now,
        resource=resource,
        student_id=row["student_id"],
        contact_id=row["contact_id"],
    ))
