"""The cases API: list (the contract's), read with the timeline, open, reassign, close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF, STAFF_OR_READER
from rollcall_shared.clock import Now
from rollcall_shared.pagination import Paged
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from plans.base import AuditEntry
from plans.cases import repository
from plans.cases.lookups import case_or_404, known_staff, open_case_or_409
from plans.history import repository as history
from plans.cases.rules import Kind
from plans.cases.schemas import CaseChange, CaseDetail, CasePage, CaseView, Closing, Entry, NewCase
from plans.cases.service import Caseworker, close, record

router = APIRouter(prefix="/v1/districts/{district_id}/cases", tags=["cases"])
CASE = audited(AuditEntry, "case", "case_id")


@router.get(
    "",
    dependencies=[STAFF_OR_READER, audited(AuditEntry, "case")],
    response_model=CasePage,
    response_model_by_alias=True,
)
async def list_cases(
    district_id: DistrictId,
    session: Session,
    page: Paged,
    clock: Now,
    student_id: Annotated[str | None, Query(alias="studentId", max_length=64)] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    tier: Annotated[int | None, Query(ge=1, le=3)] = None,
    owner_id: Annotated[str | None, Query(alias="ownerId", max_length=64)] = None,
    school_id: Annotated[str | None, Query(alias="schoolId", max_length=64)] = None,
    overdue: Annotated[bool, Query(description="open cases whose follow-up date has passed")] = False,
    proposed_outcome: Annotated[str | None, Query(alias="proposedOutcome", pattern="^goal-met$",
                                                  description="open cases proposed for closing")] = None,
) -> CasePage:
    """Cases in a stable order, filtered; follow `next` for the following page."""
    filters = {"student_id": student_id, "status": status, "tier": tier, "owner_id": owner_id, "school_id": school_id,
               "proposed_outcome": proposed_outcome}  # fmt: skip
    cases = await repository.page(
        session, district_id=district_id, filters=filters, overdue_on=clock.today() if overdue else None, page=page
    )
    shown, following = page.page(cases, key=lambda case: case.case_id)
    reasons = await repository.reasons_of(session, [case.case_id for case in shown])
    return CasePage(items=[CaseView.of(case, reasons[case.case_id]) for case in shown], next=following)


@router.get(
    "/{case_id}",
    dependencies=[STAFF, CASE],
    response_model=CaseDetail,
    response_model_by_alias=True,
)
async def get_case(district_id: DistrictId, case_id: str, session: Session) -> CaseDetail:
    """A case with its reasons and its whole timeline."""
    return await _detail(session, await case_or_404(session, district_id, case_id))


@router.post(
    "",
    dependencies=[STAFF, CASE],
    response_model=CaseDetail,
    response_model_by_alias=True,
    status_code=201,
)
async def open_case(
    district_id: DistrictId, body: NewCase, session: Session, request: Request, clock: Now
) -> CaseDetail:
    """Staff open a case themselves (a referral, a concern) when the student has none open."""
    await known_staff(session, district_id, body.staff_id)
    if await repository.open_case(session, district_id, body.student_id) is not None:
        raise Problem(409, "Conflict", f"student {body.student_id} already has an open case; add to it instead")
    caseworker: Caseworker = request.app.state.runtime.services["caseworker"]
    now = clock.now()
    case = await caseworker.open(
        session, district_id=district_id, student_id=body.student_id, school_id=body.school_id,
        school_year=body.school_year, kind=Kind(body.kind), tier=body.tier, rule_id=None,
        cause=f"staff:{body.staff_id}:{now.isoformat()}", actor=body.staff_id, now=now, today=clock.today(),
    )  # fmt: skip
    case.acted_on = True
    return await _detail(session, case)


@router.patch(
    "/{case_id}",
    dependencies=[STAFF, CASE],
    response_model=CaseDetail,
    response_model_by_alias=True,
)
async def change_case(
    district_id: DistrictId, case_id: str, body: CaseChange, session: Session, clock: Now
) -> CaseDetail:
    """Reassign the case or move its follow-up date."""
    await known_staff(session, district_id, body.staff_id)
    case = await open_case_or_409(session, district_id, case_id)
    now = clock.now()
    changes = []
    if "owner_id" in body.model_fields_set and body.owner_id != case.owner_id:
        if body.owner_id is not None:
            await known_staff(session, district_id, body.owner_id)
        case.owner_id = body.owner_id
        changes.append(f"owner {body.owner_id or 'none'}")
    if body.follow_up_due is not None and body.follow_up_due != case.follow_up_due:
        case.follow_up_due = body.follow_up_due
        changes.append(f"follow-up due {body.follow_up_due.isoformat()}")
    if changes:
        await record(session, case, "case.updated", "; ".join(changes), f"staff:{body.staff_id}:{now.isoformat()}",
                     body.staff_id, now, {"ownerId": case.owner_id, "followUpDue": str(case.follow_up_due)})  # fmt: skip
    return await _detail(session, case)


@router.post(
    "/{case_id}/close",
    dependencies=[STAFF, CASE],
    response_model=CaseDetail,
    response_model_by_alias=True,
)
async def close_case(district_id: DistrictId, case_id: str, body: Closing, session: Session, clock: Now) -> CaseDetail:
    """Close the case with its outcome."""
    await known_staff(session, district_id, body.staff_id)
    case = await open_case_or_409(session, district_id, case_id)
    now = clock.now()
    await close(session, case, outcome=body.outcome, cause=f"staff:{body.staff_id}:{now.isoformat()}",
                actor=body.staff_id, now=now, why=body.note or "closed by staff")  # fmt: skip
    return await _detail(session, case)


async def _detail(session, case) -> CaseDetail:
    reasons = await repository.reasons(session, case.case_id)
    view = CaseView.of(case, [reason.rule_id for reason in reasons])
    changes = [Entry.of(entry) for entry in await repository.timeline(session, case.case_id)]
    outreach = await history.outreach(session, case.district_id, case.student_id, case.school_year, through=case.closed_at)
    return CaseDetail(
        **view.model_dump(),
        standing_reasons=[reason.rule_id for reason in reasons if reason.standing],
        timeline=sorted(changes + [Entry.of_outreach(entry) for entry in outreach], key=lambda entry: entry.at),
    )
