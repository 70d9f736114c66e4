"""The playbook's rules: when a student crosses a threshold and when the crossing clears."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from eligibility.playbook import DEFAULT_PLAYBOOK, Playbook, RateRule, RuleId
from eligibility.rules import (
    Change,
    DailyRecord,
    Enrollment,
    RuleState,
    SchoolDays,
    StudentHistory,
    Transition,
    compute_metrics,
    evaluate,
)
from pydantic import ValidationError
from rollcall_shared.events import AttendanceCategory as Category
from rollcall_shared.events import Metrics

from tests.support.events import school_days

CROSSED, BELOW = RuleState.CROSSED, RuleState.BELOW
RATE_RULES = (RuleId.CHRONIC_RISK, RuleId.CHRONIC, RuleId.SEVERE_CHRONIC)


def changes(
    metrics: Metrics,
    states: dict[RuleId, RuleState] | None = None,
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> list[tuple[RuleId, Change]]:
    return [(t.rule_id, t.change) for t in evaluate(states or {}, metrics, playbook)]


def crossed(*rules: RuleId) -> list[tuple[RuleId, Change]]:
    return [(rule, Change.CROSSED) for rule in rules]


def cleared(*rules: RuleId) -> list[tuple[RuleId, Change]]:
    return [(rule, Change.CLEARED) for rule in rules]


def rate(absent: int, enrolled: int) -> Metrics:
    """The metrics of `absent` absences over `enrolled` days, as `compute_metrics` reports them."""
    return Metrics(
        absent_days=absent, enrolled_days=enrolled, absence_rate=round(absent / enrolled, 4)
    )


def replay(seq: Iterable[Metrics], playbook: Playbook = DEFAULT_PLAYBOOK) -> list[list[Transition]]:
    """Evaluates each metrics in turn, carrying the rule states along as the service does."""
    states: dict[RuleId, RuleState] = {}
    steps = []
    for metrics in seq:
        transitions = evaluate(states, metrics, playbook)
        for t in transitions:
            states[t.rule_id] = CROSSED if t.change is Change.CROSSED else BELOW
        steps.append(transitions)
    return steps


# evaluate: states


def test_nothing_crosses_for_a_student_with_no_absences() -> None:
    assert changes(Metrics(enrolled_days=40, absence_rate=0.0)) == []


def test_missing_state_is_below() -> None:
    metrics = Metrics(truant_days=3)

    assert (
        changes(metrics, {})
        == changes(metrics, {RuleId.TRUANCY_1: BELOW})
        == crossed(RuleId.TRUANCY_1)
    )


def test_crossed_rule_whose_condition_still_holds_emits_nothing() -> None:
    assert changes(Metrics(truant_days=4), {RuleId.TRUANCY_1: CROSSED}) == []


def test_below_rule_whose_condition_does_not_hold_emits_nothing() -> None:
    assert changes(Metrics(truant_days=1), {RuleId.TRUANCY_1: BELOW}) == []


def test_states_read_from_storage_as_plain_strings_are_understood() -> None:
    states = {"truancy-1": "crossed", "success-plan": "below"}

    assert changes(Metrics(absent_days=5), states) == cleared(RuleId.TRUANCY_1) + crossed(
        RuleId.SUCCESS_PLAN
    )  # type: ignore[arg-type]


def test_transitions_come_in_rule_order() -> None:
    metrics = Metrics(absent_days=12, truant_days=7, enrolled_days=50, absence_rate=0.24)
    states = {RuleId.CHRONIC: CROSSED}

    assert changes(metrics, states) == crossed(
        RuleId.TRUANCY_1,
        RuleId.TRUANCY_2,
        RuleId.TRUANCY_3,
        RuleId.SUCCESS_PLAN,
        RuleId.CHRONIC_RISK,
        RuleId.SEVERE_CHRONIC,
    )


# truancy and success plan


def test_3_truant_days_cross_truancy_1() -> None:
    assert changes(Metrics(truant_days=2)) == []
    assert changes(Metrics(truant_days=3)) == crossed(RuleId.TRUANCY_1)


def test_18_unexcused_period_absences_cross_truancy_1() -> None:
    assert changes(Metrics(unexcused_period_absences=17)) == []
    assert changes(Metrics(unexcused_period_absences=18)) == crossed(RuleId.TRUANCY_1)


def test_truancy_1_stays_crossed_while_either_condition_holds() -> None:
    on_periods = Metrics(truant_days=0, unexcused_period_absences=18)

    assert changes(on_periods, {RuleId.TRUANCY_1: CROSSED}) == []


def test_truancy_1_clears_when_neither_condition_holds() -> None:
    metrics = Metrics(truant_days=2, unexcused_period_absences=17)

    assert changes(metrics, {RuleId.TRUANCY_1: CROSSED}) == cleared(RuleId.TRUANCY_1)


@pytest.mark.parametrize(
    ("truant_days", "rules"),
    [
        (4, [RuleId.TRUANCY_1]),
        (5, [RuleId.TRUANCY_1, RuleId.TRUANCY_2]),
        (6, [RuleId.TRUANCY_1, RuleId.TRUANCY_2]),
        (7, [RuleId.TRUANCY_1, RuleId.TRUANCY_2, RuleId.TRUANCY_3]),
    ],
)
def test_truancy_2_and_3_cross_at_5_and_7_truant_days(
    truant_days: int, rules: list[RuleId]
) -> None:
    assert changes(Metrics(truant_days=truant_days)) == crossed(*rules)


def test_truancy_3_clears_when_truant_days_fall_below_7() -> None:
    states = {RuleId.TRUANCY_1: CROSSED, RuleId.TRUANCY_2: CROSSED, RuleId.TRUANCY_3: CROSSED}

    assert changes(Metrics(truant_days=6), states) == cleared(RuleId.TRUANCY_3)


def test_period_absences_do_not_cross_truancy_2() -> None:
    assert changes(Metrics(unexcused_period_absences=100)) == crossed(RuleId.TRUANCY_1)


def test_5_absent_days_cross_success_plan() -> None:
    assert changes(Metrics(absent_days=4)) == []
    assert changes(Metrics(absent_days=5)) == crossed(RuleId.SUCCESS_PLAN)


def test_success_plan_clears_below_5_absent_days() -> None:
    assert changes(Metrics(absent_days=4), {RuleId.SUCCESS_PLAN: CROSSED}) == cleared(
        RuleId.SUCCESS_PLAN
    )


# rate rules


@pytest.mark.parametrize(
    ("absent", "rules"),
    [
        (0, []),
        (1, [RuleId.CHRONIC_RISK]),  # 5%
        (2, [RuleId.CHRONIC_RISK, RuleId.CHRONIC]),  # 10%
        (3, [RuleId.CHRONIC_RISK, RuleId.CHRONIC]),  # 15%
        (4, list(RATE_RULES)),  # 20%
    ],
)
def test_rate_rules_cross_at_their_thresholds(absent: int, rules: list[RuleId]) -> None:
    crossed_rules = [t for t in changes(rate(absent, 20)) if t[0] in RATE_RULES]

    assert crossed_rules == crossed(*rules)


def test_rate_just_under_a_threshold_does_not_cross() -> None:
    assert changes(rate(1, 21)) == []  # 4.76%
    assert changes(rate(4, 41)) == crossed(RuleId.CHRONIC_RISK)  # 9.76%


def test_chronic_needs_ten_enrolled_days() -> None:
    assert changes(rate(9, 9)) == crossed(RuleId.SUCCESS_PLAN)  # 100% of 9 days
    assert changes(rate(1, 10)) == crossed(RuleId.CHRONIC_RISK, RuleId.CHRONIC)


def test_minimum_enrolled_days_are_configurable() -> None:
    playbook = Playbook(rate_min_enrolled_days=5)

    assert changes(rate(1, 5), playbook=playbook) == crossed(*RATE_RULES)


def test_rate_rule_clears_below_its_clear_line() -> None:
    states = dict.fromkeys(RATE_RULES, CROSSED)

    assert changes(rate(4, 25), states) == []  # 16% is not below 16%
    assert changes(rate(3, 20), states) == cleared(RuleId.SEVERE_CHRONIC)  # 15%
    assert changes(rate(3, 40), states) == cleared(RuleId.CHRONIC, RuleId.SEVERE_CHRONIC)  # 7.5%
    assert changes(rate(1, 26), states) == cleared(*RATE_RULES)  # 3.85%


def test_rate_rule_hysteresis_does_not_flap() -> None:
    # A student on the 10% line: one absence in ten, then a day of attendance, and so on.
    seq = [
        rate(2, 20),
        rate(2, 21),
        rate(3, 30),
        rate(3, 31),
        rate(4, 40),
        rate(4, 41),
        rate(4, 50),
    ]

    chronic = [[t.change for t in step if t.rule_id is RuleId.CHRONIC] for step in replay(seq)]
    assert chronic == [[Change.CROSSED], [], [], [], [], [], []]


def test_rate_rule_clears_once_the_rate_falls_below_the_clear_line() -> None:
    steps = replay([rate(2, 20), rate(2, 24), rate(2, 25), rate(2, 26), rate(3, 27)])

    chronic = [[t.change for t in step if t.rule_id is RuleId.CHRONIC] for step in steps]
    assert chronic == [[Change.CROSSED], [], [], [Change.CLEARED], [Change.CROSSED]]


def test_crossed_rate_rule_stays_crossed_when_enrolled_days_fall_below_the_minimum() -> None:
    states = dict.fromkeys(RATE_RULES, CROSSED)

    assert changes(rate(2, 5), states) == []


def test_crossed_rate_rule_clears_on_a_low_rate_even_below_the_minimum_days() -> None:
    assert changes(rate(0, 5), {RuleId.CHRONIC: CROSSED}) == cleared(RuleId.CHRONIC)


def test_undefined_rate_clears_crossed_rate_rules() -> None:
    states = dict.fromkeys(RATE_RULES, CROSSED)

    assert changes(Metrics(absent_days=3, enrolled_days=0, absence_rate=None), states) == cleared(
        *RATE_RULES
    )


def test_rate_thresholds_are_configurable() -> None:
    playbook = Playbook(chronic=RateRule(crosses_at=0.15, clears_below=0.12))

    assert RuleId.CHRONIC not in [rule for rule, _ in changes(rate(2, 20), playbook=playbook)]
    assert (RuleId.CHRONIC, Change.CROSSED) in changes(rate(3, 20), playbook=playbook)


def test_rate_comparison_uses_the_unrounded_fraction() -> None:
    # 17/243 = 6.996% is reported as 0.0700, yet it is below a 7% line.
    playbook = Playbook(chronic=RateRule(crosses_at=0.07, clears_below=0.07))
    metrics = rate(17, 243)
    assert metrics.absence_rate == 0.07

    assert (RuleId.CHRONIC, Change.CROSSED) not in changes(metrics, playbook=playbook)
    assert (RuleId.CHRONIC, Change.CLEARED) in changes(metrics, {RuleId.CHRONIC: CROSSED}, playbook)


def test_hand_built_rate_that_is_no_rounded_fraction_is_taken_as_it_is() -> None:
    assert changes(Metrics(enrolled_days=10, absence_rate=0.07)) == crossed(RuleId.CHRONIC_RISK)


# configuration


def test_count_thresholds_are_configurable() -> None:
    playbook = Playbook(
        truancy_1_days=2,
        truancy_1_period_absences=10,
        truancy_2_days=4,
        truancy_3_days=6,
        success_plan_absent_days=3,
    )

    assert changes(Metrics(truant_days=2), playbook=playbook) == crossed(RuleId.TRUANCY_1)
    assert changes(Metrics(unexcused_period_absences=10), playbook=playbook) == crossed(
        RuleId.TRUANCY_1
    )
    assert changes(Metrics(truant_days=6, absent_days=3), playbook=playbook) == crossed(
        RuleId.TRUANCY_1, RuleId.TRUANCY_2, RuleId.TRUANCY_3, RuleId.SUCCESS_PLAN
    )


def test_playbook_defaults_are_the_spec() -> None:
    assert Playbook.model_validate({}) == Playbook(
        truancy_1_days=3,
        truancy_1_period_absences=18,
        truancy_2_days=5,
        truancy_3_days=7,
        success_plan_absent_days=5,
        truant_minutes=30,
        excused_reasons=(),
        rate_min_enrolled_days=10,
        chronic_risk=RateRule(crosses_at=0.05, clears_below=0.04),
        chronic=RateRule(crosses_at=0.10, clears_below=0.08),
        severe_chronic=RateRule(crosses_at=0.20, clears_below=0.16),
    )


def test_playbook_document_uses_camel_case_names() -> None:
    playbook = Playbook.model_validate(
        {
            "truancy1Days": 4,
            "excusedReasons": ["Medical"],
            "chronic": {"crossesAt": 0.12, "clearsBelow": 0.1},
        }
    )

    assert (playbook.truancy_1_days, playbook.excused_reasons, playbook.chronic.crosses_at) == (
        4,
        ("Medical",),
        0.12,
    )


def test_clear_line_above_the_cross_line_is_refused() -> None:
    with pytest.raises(ValidationError, match="clears_below"):
        RateRule(crosses_at=0.10, clears_below=0.12)


# from history to transitions


SCHOOL = "255901001"
SCHOOL_DAYS = school_days(date(2023, 9, 4), 40)
SCHOOLS = {SCHOOL: SchoolDays(frozenset(SCHOOL_DAYS), as_of=SCHOOL_DAYS[-1])}


def absences(*days: date, category: Category = Category.UNEXCUSED_ABSENCE) -> StudentHistory:
    student = StudentHistory()
    student.enrollments[(SCHOOL, SCHOOL_DAYS[0])] = Enrollment(SCHOOL, SCHOOL_DAYS[0])
    for day in days:
        student.daily[(SCHOOL, day)] = DailyRecord(SCHOOL, day, category)
    return student


def metrics_of(student: StudentHistory) -> Metrics:
    return compute_metrics(student, school_year=2024, schools=SCHOOLS, playbook=DEFAULT_PLAYBOOK)


def test_correction_to_excused_clears_truancy_1() -> None:
    student = absences(*SCHOOL_DAYS[:3])
    assert changes(metrics_of(student)) == crossed(RuleId.TRUANCY_1, RuleId.CHRONIC_RISK)  # 3/40

    day = SCHOOL_DAYS[1]
    student.daily[(SCHOOL, day)] = DailyRecord(SCHOOL, day, Category.EXCUSED_ABSENCE)

    states = {RuleId.TRUANCY_1: CROSSED, RuleId.CHRONIC_RISK: CROSSED}
    assert changes(metrics_of(student), states) == cleared(RuleId.TRUANCY_1)


def test_correction_to_in_attendance_clears_success_plan() -> None:
    student = absences(*SCHOOL_DAYS[:5], category=Category.EXCUSED_ABSENCE)
    states = {RuleId.SUCCESS_PLAN: CROSSED, RuleId.CHRONIC_RISK: CROSSED, RuleId.CHRONIC: CROSSED}
    assert changes(metrics_of(student), states) == []

    day = SCHOOL_DAYS[0]
    student.daily[(SCHOOL, day)] = DailyRecord(SCHOOL, day, Category.IN_ATTENDANCE)

    assert changes(metrics_of(student), states) == cleared(RuleId.SUCCESS_PLAN)  # 4/40 = 10%


def test_enrollment_correction_that_removes_every_enrolled_day_clears_rate_rules() -> None:
    student = absences(*SCHOOL_DAYS[:4], category=Category.EXCUSED_ABSENCE)
    states = {RuleId.CHRONIC_RISK: CROSSED, RuleId.CHRONIC: CROSSED}
    assert changes(metrics_of(student), states) == []

    student.enrollments.clear()

    assert changes(metrics_of(student), states) == cleared(RuleId.CHRONIC_RISK, RuleId.CHRONIC)
