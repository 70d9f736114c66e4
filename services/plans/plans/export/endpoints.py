"""A case's record for a SARB referral, as JSON and as PDF."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from plans.base import AuditEntry
from plans.cases.lookups import case_or_404
from plans.export.pdf import case_record_pdf
from plans.export.schemas import CaseRecord
from plans.export.service import case_record

router = APIRouter(
    prefix="/v1/districts/{district_id}/cases/{case_id}",
    tags=["cases"],
    dependencies=[STAFF, audited(AuditEntry, "case", "case_id")],
)


@router.get("/record", response_model=CaseRecord, response_model_by_alias=True)
async def record_json(district_id: DistrictId, case_id: str, session: Session) -> CaseRecord:
    """Everything about the case in its school year, oldest first: attendance, thresholds, outreach, changes, plan."""
    return await case_record(session, case=await case_or_404(session, district_id, case_id), now=datetime.now(UTC))


@router.get(
    "/record.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def record_pdf(district_id: DistrictId, case_id: str, session: Session) -> Response:
    """The same record as a PDF, for a SARB referral packet."""
    record = await case_record(session, case=await case_or_404(session, district_id, case_id), now=datetime.now(UTC))
    return Response(
        await asyncio.to_thread(case_record_pdf, record), media_type="application/pdf",  # CPU work, off the loop
        headers={"content-disposition": f'attachment; filename="case-{case_id}.pdf"'},
    )  # fmt: skip
