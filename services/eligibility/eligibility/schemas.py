"""The eligibility API's shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


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
