"""Print batches: made at the district's print time, or now on a clerk's request; downloaded as one PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF
from rollcall_shared.db import try_lock
from rollcall_shared.problems import Problem
from rollcall_shared.schemas import Camel
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from notifications.base import AuditEntry
from notifications.districts.service import settings_of, zone
from notifications.letters import repository
from notifications.letters.models import LetterBatch
from notifications.letters.service import batch_pdf, make_batches

router = APIRouter(
    prefix="/v1/districts/{district_id}/letter-batches",
    tags=["letters"],
    dependencies=[STAFF, audited(AuditEntry, "letter-batch", "batch_id")],
)


class Batch(Camel):
    batch_id: str
    school_id: str
    print_date: date
    letters: int
    created_at: datetime

    @classmethod
    def of(cls, batch: LetterBatch) -> Batch:
        return cls.model_validate(batch, from_attributes=True)


class BatchRequest(Camel):
    school_id: str | None = None


@router.post("", response_model=list[Batch], response_model_by_alias=True, status_code=201)
async def print_now(district_id: DistrictId, body: BatchRequest, session: Session, request: Request) -> list[Batch]:
    """Make today's batch now (before the print time) for every school, or one, with letters waiting."""
    rt = request.app.state.runtime
    settings = await settings_of(session, district_id=district_id, default_time_zone=rt.settings.time_zone)
    now = datetime.now(UTC)
    if not await try_lock(session, "print", district_id):  # the sender is filling the district's batches
        raise Problem(409, "Conflict", "the district's letters are being put into their batches now; ask again in a "
                      "moment", headers={"Retry-After": "5"})  # fmt: skip
    batches = await make_batches(
        session, district_id=district_id, settings=settings, templates=rt.services["templates"],
        print_date=now.astimezone(zone(settings)).date(), now=now,
        school_ids=[body.school_id] if body.school_id else None,
    )  # fmt: skip
    return [Batch.of(batch) for batch in batches]


@router.get("", response_model=list[Batch], response_model_by_alias=True)
async def list_batches(
    district_id: DistrictId,
    session: Session,
    school_id: Annotated[str | None, Query(alias="schoolId", max_length=64)] = None,
    print_date: Annotated[date | None, Query(alias="date")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Batch]:
    """Print batches, newest first."""
    found = await repository.batches(session, district_id=district_id, school_id=school_id, print_date=print_date, limit=limit)
    return [Batch.of(batch) for batch in found]


@router.get(
    "/{batch_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def download(district_id: DistrictId, batch_id: str, session: Session) -> Response:
    """The batch's letters as one PDF, each starting on a new page."""
    batch = await repository.batch(session, district_id, batch_id)
    if batch is None:
        raise Problem(404, "Not found", f"no print batch {batch_id} in district {district_id}")
    if (pdf := await batch_pdf(session, batch_id=batch_id)) is None:
        raise Problem(409, "Conflict", f"print batch {batch_id} holds no letter to print: each of its letters failed "
                      "(their reasons are on the outreach list, status=failed)")  # fmt: skip
    name = f"letters-{batch.school_id}-{batch.print_date.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})
