"""Day close: the SIS says a school's attendance for a day is final."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from rollcall_shared.service import Session

from ingest.api import SIS_WRITES, DistrictId, IngestAnswer, SchoolId
from ingest.calendar import service
from ingest.calendar.schemas import DayClosed

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["calendar"], dependencies=SIS_WRITES)


@router.post("/schools/{school_id}/closed-days", response_model=IngestAnswer)
async def close_school_day(
    district_id: DistrictId, school_id: SchoolId, closed: DayClosed, session: Session
) -> IngestAnswer:
    """Move the school's `as_of` to the date; a date at or before it is a duplicate."""
    moved = await service.close_school_day(
        session, district_id=district_id, school_id=school_id, day=closed.date, now=datetime.now(UTC)
    )
    return IngestAnswer(accepted=int(moved), duplicates=int(not moved), rejected=[])
