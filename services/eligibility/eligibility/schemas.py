"""The eligibility API's shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from rollcall_shared.events import Metrics


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class StudentSummary(ApiModel):
    district_id: str
    student_id: str
    school_year: int
    absent_days: int
    truant_days: int
    unexcused_period_absences: int
    enrolled_days: int
    absence_rate: float | None
    rules: dict[str, str]
    """Every rule of the district's playbook: `below` or `crossed`."""


class StudentPage(ApiModel):
    items: list[StudentSummary]
    next: str | None
    """Cursor of the next page; null on the last one."""


class RebuildRequest(ApiModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True, extra="forbid")

    school_year: int = Field(ge=1900, le=2200, description="named by the year it ends in")
    apply: bool = Field(False, description="false: only say what would change (a dry run)")


class RuleChange(ApiModel):
    student_id: str
    rule_id: str
    tier: int
    type: Literal["threshold.crossed", "threshold.cleared"]
    metrics: Metrics


class RebuildReport(ApiModel):
    district_id: str
    school_year: int
    applied: bool
    students: int
    """Students of the school year evaluated again."""
    crossed: int
    cleared: int
    changes: list[RuleChange]
    """Each crossing or clearing the playbook as it is now gives (applied: emitted), in student order."""
