"""The playbook's metrics and rules, on plain data (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from rollcall_shared.events import AttendanceCategory, Metrics

from eligibility.playbook import Playbook, RuleId


@dataclass(frozen=True)
class DailyRecord:
    school_id: str
    date: date
    category: AttendanceCategory
    minutes: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class SectionRecord:
    section_id: str
    school_id: str
    date: date
    category: AttendanceCategory


@dataclass(frozen=True)
class Enrollment:
    school_id: str
    entry_date: date
    exit_date: date | None = None


@dataclass
class SchoolDays:
    """What eligibility knows of one school: its instructional days and its `as_of`."""

    instructional: frozenset[date] = frozenset()
    as_of: date | None = None


@dataclass
class StudentHistory:
    """The current inputs of one student in one district (all school years)."""

    daily: dict[tuple[str, date], DailyRecord] = field(default_factory=dict)
    """Keyed by (school_id, date): a later record for the same key replaces the earlier one."""
    sections: dict[tuple[str, date], SectionRecord] = field(default_factory=dict)
    """Keyed by (section_id, date)."""
    enrollments: dict[tuple[str, date], Enrollment] = field(default_factory=dict)
    """Keyed by (school_id, entry_date)."""


class RuleState(StrEnum):
    BELOW = "below"
    CROSSED = "crossed"


class Change(StrEnum):
    CROSSED = "threshold.crossed"
    CLEARED = "threshold.cleared"


@dataclass(frozen=True)
class Transition:
    rule_id: RuleId
    change: Change


def compute_metrics(
    history: StudentHistory,
    *,
    school_year: int,
    schools: Mapping[str, SchoolDays],
    playbook: Playbook,
) -> Metrics:
    """The playbook's metrics of one student for one school year."""
    raise NotImplementedError


def evaluate(
    states: Mapping[RuleId, RuleState], metrics: Metrics, playbook: Playbook
) -> list[Transition]:
    """Every rule's transition on the new metrics, in RuleId order; rules with no change are left out."""
    raise NotImplementedError
