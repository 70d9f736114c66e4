"""The outreach API's shapes (the contract's list, approvals)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from rollcall_shared.pagination import Page
from rollcall_shared.schemas import Camel, CamelBody

from notifications.outreach.models import OutreachItem

Status = Literal["pending_approval", "scheduled", "sent", "delivered", "failed", "cancelled", "suppressed"]
Channel = Literal["letter", "email", "sms"]


class Outreach(Camel):
    outreach_id: str
    student_id: str
    school_id: str
    rule_id: str
    crossing_event_id: str
    kind: Literal["notice", "correction"]
    channel: Channel
    language: str
    status: Status
    reason: str | None = Field(None, description="Why it was suppressed, failed or cancelled")
    household_id: str
    merged_into: str | None = Field(None, description="The item whose message also named this student")
    batch_id: str | None = Field(None, description="The print batch of a letter")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: OutreachItem) -> Outreach:
        return cls.model_validate(item, from_attributes=True)


class OutreachDetail(Outreach):
    subject: str | None = None
    body: str | None = Field(None, description="The words sent or printed, once they went out")


class OutreachPage(Page[Outreach]):
    """A page of outreach items; follow `next` for the following one."""


class Approval(CamelBody):
    """Approve letters waiting for staff: the listed ones, or every one matching the filters."""

    outreach_ids: list[str] | None = Field(None, max_length=10_000)
    rule_id: str | None = None
    school_id: str | None = None


class Approved(Camel):
    approved: int
    outreach_ids: list[str]


class Bounce(Camel):
    """A bounce a mail system received after the SMTP server had accepted the email."""

    message_id: str = Field(max_length=200, description="The Message-ID header of the bounced email")
    reason: str | None = Field(None, max_length=150, description="e.g. 550 5.1.1 mailbox unknown (no address)")
