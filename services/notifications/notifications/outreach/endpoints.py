"""The outreach API: list and read items, approve letters waiting for staff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF, STAFF_OR_READER
from rollcall_shared.pagination import Paged
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from notifications.base import AuditEntry
from notifications.outreach import repository
from notifications.outreach.schemas import (
    Approval,
    Approved,
    Bounce,
    Channel,
    Outreach,
    OutreachDetail,
    OutreachPage,
    Status,
)
from notifications.outreach.service import fail, set_status
from notifications.publishers import publish_status_changes

router = APIRouter(prefix="/v1/districts/{district_id}/outreach", tags=["outreach"])
OUTREACH = audited(AuditEntry, "outreach", "outreach_id")


@router.get(
    "",
    dependencies=[STAFF_OR_READER, OUTREACH],
    response_model=OutreachPage,
    response_model_by_alias=True,
)
async def list_outreach(
    district_id: DistrictId,
    session: Session,
    page: Paged,
    student_id: Annotated[str | None, Query(alias="studentId", max_length=64)] = None,
    status: Status | None = None,
    rule_id: Annotated[str | None, Query(alias="ruleId", max_length=32)] = None,
    channel: Channel | None = None,
    school_id: Annotated[str | None, Query(alias="schoolId", max_length=64)] = None,
) -> OutreachPage:
    """Outreach items in a stable order, filtered; follow `next` for the following page."""
    filters = {"student_id": student_id, "status": status, "rule_id": rule_id, "channel": channel, "school_id": school_id}
    items = await repository.page(session, district_id=district_id, filters=filters, page=page)
    shown, following = page.page(items, key=lambda item: item.outreach_id)
    return OutreachPage(items=[Outreach.of(item) for item in shown], next=following)


@router.get(
    "/{outreach_id}",
    dependencies=[STAFF, OUTREACH],
    response_model=OutreachDetail,
    response_model_by_alias=True,
)
async def get_outreach(district_id: DistrictId, outreach_id: str, session: Session) -> OutreachDetail:
    """One item, with the words that went out."""
    found = await repository.by_ids(session, [outreach_id], district_id=district_id)
    if not found:
        raise Problem(404, "Not found", f"no outreach item {outreach_id} in district {district_id}")
    item = found[0]
    content = item.content or {}
    return OutreachDetail(
        **Outreach.of(item).model_dump(), subject=content.get("subject"), body=content.get("body")
    )


@router.post(
    "/approvals",
    dependencies=[STAFF, OUTREACH],
    response_model=Approved,
    response_model_by_alias=True,
)
async def approve(district_id: DistrictId, approval: Approval, session: Session) -> Approved:
    """Approve letters in bulk: they join the next print batch."""
    if approval.outreach_ids is None and approval.rule_id is None and approval.school_id is None:
        raise Problem(400, "Invalid request", "name outreachIds, or filter by ruleId and/or schoolId")
    items = await repository.waiting_approval(
        session, district_id=district_id, outreach_ids=approval.outreach_ids,
        rule_id=approval.rule_id, school_id=approval.school_id,
    )  # fmt: skip
    now = datetime.now(UTC)
    for item in items:
        set_status(item, "scheduled", None, now)
        item.not_before = now
    await publish_status_changes(session, items)
    return Approved(approved=len(items), outreach_ids=[item.outreach_id for item in items])


@router.post(
    "/bounces",
    dependencies=[STAFF, OUTREACH],
    response_model=Outreach,
    response_model_by_alias=True,
)
async def bounced(district_id: DistrictId, bounce: Bounce, session: Session, request: Request) -> Outreach:
    """An email bounced after it was sent: it is marked failed and a text follows if the family takes them."""
    item = await repository.by_provider_id(session, district_id, bounce.message_id)
    if item is None or item.channel != "email":
        raise Problem(404, "Not found", f"no email with Message-ID {bounce.message_id} in district {district_id}")
    if item.status == "failed":
        return Outreach.of(item)
    settings = request.app.state.runtime.settings
    changed = await fail(
        session, item=item, reason=f"bounced: {bounce.reason or 'no reason given'}",
        default_time_zone=settings.time_zone, sms_from=settings.sms_from, now=datetime.now(UTC),
    )  # fmt: skip
    await publish_status_changes(session, changed)
    return Outreach.of(item)
