"""A student's state as the consumer holds it between batches: inputs, rule states, what changed."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime

from rollcall_shared.events import (
    AttendanceEvent,
    DailyAttendanceRecorded,
    EnrollmentRecorded,
    Metrics,
    SchoolDayClosed,
    SectionAttendanceRecorded,
    school_year_of,
)

from eligibility.playbook import RuleId
from eligibility.rules import DailyRecord, Enrollment, RuleState, SectionRecord, StudentHistory

StudentKey = tuple[str, str]
"""(district_id, student_id)"""


@dataclass
class RuleProgress:
    state: RuleState = RuleState.BELOW
    crossings: int = 0
    clearings: int = 0
    changed_at: datetime | None = None


@dataclass
class StudentState:
    history: StudentHistory = field(default_factory=StudentHistory)
    rules: dict[tuple[int, RuleId], RuleProgress] = field(default_factory=dict)
    closed_through: dict[str, date] = field(default_factory=dict)
    """Each school's `as_of` as this student's own events have told it, so changes apply in order."""
    changed_daily: set[tuple[str, date]] = field(default_factory=set)
    changed_sections: set[tuple[str, date]] = field(default_factory=set)
    changed_enrollments: set[tuple[str, date]] = field(default_factory=set)
    changed_rules: set[tuple[int, RuleId]] = field(default_factory=set)
    metrics: dict[int, Metrics] = field(default_factory=dict)
    """Metrics evaluated in this batch, by school year, to be saved."""

    def saved(self) -> None:
        self.changed_daily.clear()
        self.changed_sections.clear()
        self.changed_enrollments.clear()
        self.changed_rules.clear()
        self.metrics.clear()

    def apply(self, event: AttendanceEvent) -> set[int]:
        """Apply one change; returns the school years to evaluate (none when nothing changed)."""
        history = self.history
        if isinstance(event, DailyAttendanceRecorded):
            key = (event.school_id, event.date)
            record = DailyRecord(event.school_id, event.date, event.category, event.minutes, event.reason)
            if history.daily.get(key) == record:
                return set()
            history.daily[key] = record
            self.changed_daily.add(key)
            return {school_year_of(event.date)}
        if isinstance(event, SectionAttendanceRecorded):
            key = (event.section_id, event.date)
            section = SectionRecord(event.section_id, event.school_id, event.date, event.category)
            if history.sections.get(key) == section:
                return set()
            history.sections[key] = section
            self.changed_sections.add(key)
            return {school_year_of(event.date)}
        if isinstance(event, EnrollmentRecorded):
            key = (event.school_id, event.entry_date)
            enrollment = Enrollment(event.school_id, event.entry_date, event.exit_date, event.grade_level)
            previous = history.enrollments.get(key)
            closed = event.school_closed_through is not None and self._close(event.school_id, event.school_closed_through)
            if previous == enrollment and not closed:
                return set()
            history.enrollments[key] = enrollment
            self.changed_enrollments.add(key)
            return _years_spanned(enrollment, previous)
        if isinstance(event, SchoolDayClosed):
            if not self._close(event.school_id, event.closed_through) and not event.instructional_days:
                return set()
            return {school_year_of(event.closed_through)} | {school_year_of(d) for d in event.instructional_days}
        return set()

    def _close(self, school_id: str, through: date) -> bool:
        if (known := self.closed_through.get(school_id)) is not None and known >= through:
            return False
        self.closed_through[school_id] = through
        return True


def _years_spanned(enrollment: Enrollment, previous: Enrollment | None) -> set[int]:
    ends = [enrollment.exit_date or enrollment.entry_date]
    if previous is not None:
        ends.append(previous.exit_date or previous.entry_date)
    first = school_year_of(enrollment.entry_date)
    return set(range(first, max(school_year_of(end) for end in ends) + 1))


class StudentCache:
    """Least-recently-used student states; valid while this consumer holds their partitions."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._states: OrderedDict[StudentKey, StudentState] = OrderedDict()

    def get(self, key: StudentKey) -> StudentState | None:
        state = self._states.get(key)
        if state is not None:
            self._states.move_to_end(key)
        return state

    def put(self, key: StudentKey, state: StudentState) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self.capacity:
            self._states.popitem(last=False)

    def evict(self, keys: object) -> None:
        for key in keys:  # type: ignore[attr-defined]
            self._states.pop(key, None)

    def evict_district(self, district_id: str) -> None:
        self.evict([key for key in self._states if key[0] == district_id])

    def clear(self) -> None:
        self._states.clear()
