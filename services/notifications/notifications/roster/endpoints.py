"""Who a student's outreach goes to: the household and which channels are on file (no details)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from rollcall_shared.audit import audited
from rollcall_shared.auth import STAFF
from rollcall_shared.schemas import Camel
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from notifications.base import AuditEntry
from notifications.roster import repository
from notifications.roster.service import household_of

router = APIRouter(
    prefix="/v1/districts/{district_id}/students/{student_id}",
    tags=["households"],
    dependencies=[STAFF, audited(AuditEntry, "household", "student_id")],
)


class GuardianOnFile(Camel):
    contact_id: str
    lives_with: bool
    primary_contact: bool
    language: str | None
    has_address: bool
    has_email: bool
    has_mobile: bool


class HouseholdView(Camel):
    household_id: str
    student_ids: list[str] = Field(description="The students who share a guardian living with them")
    recipient_id: str | None = Field(description="The guardian letters and messages are addressed to")
    guardians: list[GuardianOnFile] = Field(description="The student's own guardians")


@router.get("/household", response_model=HouseholdView, response_model_by_alias=True)
async def household(district_id: DistrictId, student_id: str, session: Session) -> HouseholdView:
    """The student's household as outreach sees it; contact details stay out of the answer."""
    found = await household_of(session, district_id=district_id, student_id=student_id)
    links = await repository.links_of_students(session, district_id, [student_id])
    guardians = await repository.guardians(session, district_id, [link.contact_id for link in links])
    return HouseholdView(
        household_id=found.household_id,
        student_ids=sorted(found.student_ids),
        recipient_id=found.recipient.contact_id if found.recipient else None,
        guardians=[
            GuardianOnFile(
                contact_id=link.contact_id, lives_with=link.lives_with, primary_contact=link.primary_contact,
                language=guardian.language, has_address=bool(guardian.address), has_email=bool(guardian.email),
                has_mobile=bool(guardian.mobile),
            )  # fmt: skip
            for link in links
            if (guardian := guardians.get(link.contact_id)) is not None
        ],
    )
