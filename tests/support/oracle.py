"""What eligibility should emit for a feed, worked out in memory with the pure rules."""

from __future__ import annotations

from rollcall_shared.events import CalendarDateRecorded, IngestEvent, SchoolDayClosed, StudentEvent, deterministic_id

from eligibility.playbook import DEFAULT_PLAYBOOK
from eligibility.rules import Change, RuleState, SchoolDays, compute_metrics, evaluate
from eligibility.state import RuleProgress, StudentState


def expected_threshold_ids(events: list[IngestEvent]) -> dict[str, tuple[str, str, str]]:
    """eventId -> (studentId, ruleId, type) of every change the feed implies, in one pass."""
    schools: dict[str, SchoolDays] = {}
    students: dict[str, StudentState] = {}
    counts: dict[tuple[str, int, str, Change], int] = {}
    expected: dict[str, tuple[str, str, str]] = {}
    for event in events:
        if isinstance(event, CalendarDateRecorded):
            school = schools.setdefault(event.school_id, SchoolDays())
            school.instructional = school.instructional | {event.date}
            continue
        assert isinstance(event, StudentEvent)
        if isinstance(event, SchoolDayClosed):
            school = schools.setdefault(event.school_id, SchoolDays())
            school.instructional = school.instructional | set(event.instructional_days)
            school.as_of = max(school.as_of or event.closed_through, event.closed_through)  # every student is closed in this feed
        state = students.setdefault(event.student_id, StudentState())
        for year in sorted(state.apply(event)):
            metrics = compute_metrics(state.history, school_year=year, schools=schools, playbook=DEFAULT_PLAYBOOK)
            current = {rule: p.state for (y, rule), p in state.rules.items() if y == year}
            for transition in evaluate(current, metrics, DEFAULT_PLAYBOOK):
                progress = state.rules.setdefault((year, transition.rule_id), RuleProgress())
                progress.state = RuleState.CROSSED if transition.change is Change.CROSSED else RuleState.BELOW
                key = (event.student_id, year, transition.rule_id.value, transition.change)
                counts[key] = counts.get(key, 0) + 1
                event_id = deterministic_id(event.district_id, event.student_id, year, transition.rule_id,
                                            transition.change, counts[key])
                expected[event_id] = (event.student_id, transition.rule_id.value, transition.change.value)
    return expected
