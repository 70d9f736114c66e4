"""The cases API's shapes (the contract's list, a case with its timeline, staff changes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from rollcall_shared.pagination import Page
from rollcall_shared.schemas import Camel, CamelBody

from plans.cases.models import Case, CaseEntry
from plans.history.models import OutreachEntry

Outcome = Literal["goal-met", "opened-in-error", "left-district", "closed-by-staff"]
KindName = Literal["success-plan", "site-intervention", "multi-agency"]


class CaseView(Camel):
    case_id: str
    student_id: str
    school_id: str
    kind: KindName
    tier: int
    status: Literal["open", "closed"]
    reasons: list[str]
    owner_id: str | None
    follow_up_due: date | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None
    proposed_outcome: Literal["goal-met"] | None = Field(
        description="The outcome the case is proposed to close with: its goal was met at review; staff close it"
    )

    @classmethod
    def of(cls, case: Case, reasons: list[str]) -> CaseView:
        return cls.model_validate({**{c: getattr(case, c) for c in cls.model_fields if c != "reasons"}, "reasons": reasons})


class CasePage(Page[CaseView]):
    """A page of cases; follow `next` for the following one."""


class Entry(Camel):
    at: datetime
    actor: str
    what: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, entry: CaseEntry) -> Entry:
        return cls(at=entry.at, actor=entry.actor, what=entry.what, detail=entry.detail)

    @classmethod
    def of_outreach(cls, entry: OutreachEntry) -> Entry:
        detail = {
            "outreachId": entry.outreach_id, "ruleId": entry.rule_id, "channel": entry.channel, "kind": entry.kind,
            "status": entry.status, "reason": entry.reason, "language": entry.language,
        }  # fmt: skip
        return cls(at=entry.updated_at, actor="notifications", what="outreach", detail=detail)


class CaseDetail(CaseView):
    standing_reasons: list[str] = Field(description="Reasons whose rule is still crossed")
    timeline: list[Entry] = Field(
        description="Every change of the case (who, when, what) and the family's outreach of its school year, oldest first"
    )


class Actor(CamelBody):

    staff_id: str = Field(max_length=64, description="Who makes the change, for the audit")


class NewCase(Actor):
    student_id: str = Field(max_length=64)
    school_id: str = Field(max_length=64)
    school_year: int = Field(ge=1900, le=2200)
    kind: KindName = "success-plan"
    tier: Literal[2, 3] = 2
    note: str | None = Field(None, max_length=2000)


class CaseChange(Actor):
    owner_id: str | None = Field(None, max_length=64, description="Reassign the case")
    follow_up_due: date | None = None


class Closing(Actor):
    outcome: Outcome
    note: str | None = Field(None, max_length=2000)
