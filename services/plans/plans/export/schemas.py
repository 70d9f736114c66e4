"""The case record's JSON document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from rollcall_shared.schemas import Camel

from plans.cases.schemas import CaseView
from plans.plan.schemas import Plan

Source = Literal["attendance", "threshold", "outreach", "case"]


class Happening(Camel):
    """One line of the chronology."""

    on: date
    at: datetime | None = Field(description="When Rollcall recorded it; none for a day's attendance")
    source: Source
    what: str
    by: str | None = Field(description="Who made a change to the case: a staff id, `system` or `notifications`")
    detail: dict[str, Any]


class AttendanceSummary(Camel):
    """The school year so far, from the attendance plans holds."""

    school_days: int = Field(description="Closed school days the student was enrolled on")
    absences: int = Field(description="Of those, days absent (excused or not)")
    unexcused_absences: int
    partial_days: int = Field(description="Days tardy, left early or partly absent")
    attendance_rate: float | None
    latest_metrics: dict[str, Any] | None = Field(
        description="Eligibility's counts at the student's latest threshold change (truant days, period absences...)"
    )


class CaseRecord(Camel):
    """Everything about a case, for a SARB referral: every threshold, letter and its delivery, change, plan item and day."""

    generated_at: datetime
    district_id: str
    school_year: int
    case: CaseView
    standing_reasons: list[str]
    summary: AttendanceSummary
    plan: Plan
    chronology: list[Happening] = Field(description="Oldest first: attendance, thresholds, outreach and case changes")
