"""Roster documents for Rollcall services: contact details are fetched here, never sent on Kafka."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from rollcall_shared.auth import Scope, allow
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session

from ingest.api import DistrictId
from ingest.roster import service
from ingest.roster.schemas import MAX_IDS, RosterDocuments

router = APIRouter(
    prefix="/v1/districts/{district_id}", tags=["roster (Rollcall services)"], dependencies=[allow(Scope.ROSTER_READ)]
)

Ids = list[Annotated[str, StringConstraints(min_length=1, max_length=64)]]


@router.get(
    "/roster",
    response_model=RosterDocuments,
    summary="For Rollcall services: stored roster documents by student and contact id",
    description=f"Repeat `studentId` and `contactId`, at most {MAX_IDS} values in all. Documents "
    "are the Ed-Fi API JSON as stored; an unknown id is simply absent.",
)
async def read_roster(
    district_id: DistrictId,
    session: Session,
    student_ids: Annotated[Ids, Query(alias="studentId", default_factory=list)],
    contact_ids: Annotated[Ids, Query(alias="contactId", default_factory=list)],
) -> RosterDocuments:
    """The named students and contacts of the district, with every association of any of them."""
    if len(student_ids) + len(contact_ids) > MAX_IDS:
        raise Problem(
            422, "Too many ids", f"at most {MAX_IDS} studentId and contactId values in all", limit=MAX_IDS
        )
    return await service.read_roster(
        session, district_id=district_id, student_ids=set(student_ids), contact_ids=set(contact_ids)
    )
