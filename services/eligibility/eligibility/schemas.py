"""The eligibility API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from rollcall_shared.events import Metrics
from rollcall_shared.pagination import Page
from rollcall_shared.schemas import Camel, CamelBody


class StudentSummary(Camel):
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


class StudentPage(Page[StudentSummary]):
    """A page of students; `next` is the cursor of the next page, null on the last one."""


class RebuildRequest(CamelBody):
    model_config = ConfigDict(strict=True)

    school_year: int = Field(ge=1900, le=2200, description="named by the year it ends in")
    apply: bool = Field(False, description="false: a dry run, a page of students at a time; true: a rebuild job")
    cursor: str | None = Field(None, description="a dry run's page after this one: the `next` of the previous page")
    limit: int = Field(500, ge=1, le=1000, description="students a dry run's page evaluates")


class RuleChange(Camel):
    student_id: str
    rule_id: str
    tier: int
    type: Literal["threshold.crossed", "threshold.cleared"]
    metrics: Metrics


class RebuildReport(Camel):
    """A page of a dry run."""

    district_id: str
    school_year: int
    students: int
    """Students of the school year evaluated again on this page."""
    crossed: int
    cleared: int
    changes: list[RuleChange]
    """Each crossing or clearing the playbook as it is now gives, in student order; nothing is emitted."""
    next: str | None
    """Cursor of the next page; null on the last one."""


class RebuildJob(Camel):
    """A rebuild run in the background, and how far it has come."""

    id: int
    district_id: str
    school_year: int
    status: Literal["queued", "running", "done", "failed"]
    students: int
    """Students evaluated so far, in student id order."""
    total: int | None
    """Students of the school year when the job started (null while queued)."""
    crossed: int
    cleared: int
    """Crossings and clearings emitted so far."""
    chunks: int
    """Chunks committed, each its own transaction."""
    runner: str | None
    """The replica running it (host/process); another takes over if it stops answering."""
    error: str | None
    """Why it failed: the error's type (details are in the service's log)."""
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
