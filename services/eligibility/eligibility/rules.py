"""The playbook's metrics and rules, on plain data (no I/O)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from rollcall_shared.events import AttendanceCategory, DayMissed, Metrics

from eligibility.playbook import Playbook, RateRule, RuleId


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
    grade_level: str | None = None


@dataclass
class SchoolDays:
    """What eligibility knows of one school: its instructional days and its `as_of`."""

    instructional: frozenset[date] = frozenset()
    as_of: date | None = None
    _sorted: tuple[frozenset[date], tuple[date, ...]] = field(
        default=(frozenset(), ()), init=False, repr=False, compare=False
    )

    def ordered(self) -> tuple[date, ...]:
        """The instructional days in order, sorted again only once `instructional` is replaced."""
        if self._sorted[0] is not self.instructional:
            self._sorted = (self.instructional, tuple(sorted(self.instructional)))
        return self._sorted[1]


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


ABSENCES = frozenset({AttendanceCategory.EXCUSED_ABSENCE, AttendanceCategory.UNEXCUSED_ABSENCE})
PART_DAYS = frozenset(
    {AttendanceCategory.TARDY, AttendanceCategory.EARLY_DEPARTURE, AttendanceCategory.PARTIAL}
)
RATE_DECIMALS = 4
RULE_ORDER = tuple(RuleId)  # iterating the enum itself is slow on this hot path


def compute_metrics(
    history: StudentHistory,
    *,
    school_year: int,
    schools: Mapping[str, SchoolDays],
    playbook: Playbook,
) -> Metrics:
    """The playbook's metrics of one student for one school year (1 July to 30 June).

    A tardy, early departure or partial day is truant when more than `truant_minutes` are
    missed and its reason, trimmed and compared case-insensitively, is not an excused reason;
    a missing reason excuses nothing, missing minutes make the day not truant. A date counts
    once however many schools recorded it, and is absent or truant if any school says so.
    """
    year_first, year_last = _year_bounds(school_year)
    is_truant = _truancy_test(playbook)
    absent: set[date] = set()
    truant: set[date] = set()
    for record in history.daily.values():
        if not year_first <= record.date <= year_last:
            continue
        if record.category in ABSENCES:
            absent.add(record.date)
        if is_truant(record):
            truant.add(record.date)
    period_absences = sum(
        1
        for record in history.sections.values()
        if record.category == AttendanceCategory.UNEXCUSED_ABSENCE
        and year_first <= record.date <= year_last
    )
    windows = list(_windows(history.enrollments.values(), schools, year_first, year_last))
    spans = [window.span() for window in windows]
    # The usual single enrollment is counted without building a set.
    enrolled = len(spans[0]) if len(spans) == 1 else len(set().union(*spans))
    absent_enrolled = len(set().union(*(window.enrolled(absent) for window in windows)))
    return Metrics(
        absent_days=len(absent),
        truant_days=len(truant),
        unexcused_period_absences=period_absences,
        enrolled_days=enrolled,
        absence_rate=round(absent_enrolled / enrolled, RATE_DECIMALS) if enrolled else None,
    )


def days_missed(history: StudentHistory, *, school_year: int, playbook: Playbook) -> tuple[DayMissed, ...]:
    """The year's absent or truant days, oldest first; a date two schools recorded shows its truant record."""
    year_first, year_last = _year_bounds(school_year)
    is_truant = _truancy_test(playbook)
    days: dict[date, DayMissed] = {}
    for record in history.daily.values():
        if not year_first <= record.date <= year_last:
            continue
        truant = is_truant(record)
        if (truant or record.category in ABSENCES) and not (record.date in days and days[record.date].truant):
            days[record.date] = DayMissed(date=record.date, category=record.category, truant=truant)
    return tuple(days[day] for day in sorted(days))


def _year_bounds(school_year: int) -> tuple[date, date]:
    return date(school_year - 1, 7, 1), date(school_year, 6, 30)


def _truancy_test(playbook: Playbook) -> Callable[[DailyRecord], bool]:
    excused = _normalised(playbook.excused_reasons)

    def is_truant(record: DailyRecord) -> bool:
        return record.category == AttendanceCategory.UNEXCUSED_ABSENCE or (
            record.category in PART_DAYS
            and (record.minutes or 0) > playbook.truant_minutes
            and (record.reason is None or record.reason.strip().casefold() not in excused)
        )

    return is_truant


def evaluate(
    states: Mapping[RuleId, RuleState], metrics: Metrics, playbook: Playbook
) -> list[Transition]:
    """Every rule's transition on the new metrics, in RuleId order; rules with no change are left out.

    A crossed rate rule clears only when the rate falls below `clears_below`, even if enrolled
    days have fallen under `rate_min_enrolled_days` (that minimum guards crossing on too few
    days, not the end of a crossing); it clears too when the rate becomes undefined, because
    the student then has no enrolled days left in the year. Rates are compared unrounded.
    """
    rate = _unrounded_rate(metrics)
    transitions = []
    for rule in RULE_ORDER:
        crosses, clears = _conditions(rule, metrics, rate, playbook)
        state = states.get(rule, RuleState.BELOW)
        if state == RuleState.BELOW and crosses:
            transitions.append(Transition(rule, Change.CROSSED))
        elif state == RuleState.CROSSED and clears:
            transitions.append(Transition(rule, Change.CLEARED))
    return transitions


_COUNT_RULES: dict[RuleId, Callable[[Metrics, Playbook], bool]] = {
    RuleId.TRUANCY_1: lambda m, p: (
        m.truant_days >= p.truancy_1_days
        or m.unexcused_period_absences >= p.truancy_1_period_absences
    ),
    RuleId.TRUANCY_2: lambda m, p: m.truant_days >= p.truancy_2_days,
    RuleId.TRUANCY_3: lambda m, p: m.truant_days >= p.truancy_3_days,
    RuleId.SUCCESS_PLAN: lambda m, p: m.absent_days >= p.success_plan_absent_days,
}
_RATE_RULES: dict[RuleId, Callable[[Playbook], RateRule]] = {
    RuleId.CHRONIC_RISK: lambda p: p.chronic_risk,
    RuleId.CHRONIC: lambda p: p.chronic,
    RuleId.SEVERE_CHRONIC: lambda p: p.severe_chronic,
}


def _conditions(
    rule: RuleId, metrics: Metrics, rate: float | None, playbook: Playbook
) -> tuple[bool, bool]:
    """Whether the rule's cross condition holds, and whether its clear condition holds."""
    if rule in _COUNT_RULES:
        holds = _COUNT_RULES[rule](metrics, playbook)
        return holds, not holds
    if rate is None:
        return False, True
    thresholds = _RATE_RULES[rule](playbook)
    enough_days = metrics.enrolled_days >= playbook.rate_min_enrolled_days
    return enough_days and rate >= thresholds.crosses_at, rate < thresholds.clears_below


def _unrounded_rate(metrics: Metrics) -> float | None:
    """The exact absent/enrolled fraction behind a rate rounded by `compute_metrics`.

    Fractions of fewer than 10,000 enrolled days lie more than 1e-4 apart, so exactly one is
    within rounding distance; a rate that is no rounded fraction is taken as it is.
    """
    rate, enrolled = metrics.absence_rate, metrics.enrolled_days
    if rate is None or not enrolled:
        return rate
    exact = round(rate * enrolled) / enrolled
    return exact if abs(exact - rate) <= 0.5 * 10**-RATE_DECIMALS + 1e-12 else rate


class _Window(NamedTuple):
    """One enrollment's days: its school's instructional days from `first` through `last`."""

    first: date
    last: date
    school: SchoolDays

    def enrolled(self, days: set[date]) -> set[date]:
        instructional = self.school.instructional.intersection(days)
        return {day for day in instructional if self.first <= day <= self.last}

    def span(self) -> tuple[date, ...]:
        ordered = self.school.ordered()
        return ordered[bisect_left(ordered, self.first) : bisect_right(ordered, self.last)]


def _windows(
    enrollments: Iterable[Enrollment],
    schools: Mapping[str, SchoolDays],
    year_first: date,
    year_last: date,
) -> Iterator[_Window]:
    """Each enrollment's days in the school year, cut at its exit date and its school's `as_of`."""
    for enrollment in enrollments:
        school = schools.get(enrollment.school_id)
        if school is None or school.as_of is None:
            continue
        first = max(enrollment.entry_date, year_first)
        last = min(enrollment.exit_date or year_last, school.as_of, year_last)
        if first <= last:
            yield _Window(first, last, school)


@lru_cache(maxsize=256)
def _normalised(reasons: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reason.strip().casefold() for reason in reasons)
