"""The case rules on plain data: open, join, escalate, a tier that never drops, opened in error, goals met and missed."""

from __future__ import annotations

import pytest

from plans.cases.rules import Action, Decision, Kind, OpenCase, on_cleared, on_crossed, on_goal_met, on_goal_missed


@pytest.mark.parametrize(
    ("rule", "kind", "tier"),
    [
        ("success-plan", Kind.SUCCESS_PLAN, 2),
        ("truancy-2", Kind.SITE_INTERVENTION, 2),
        ("chronic", Kind.SUCCESS_PLAN, 2),
        ("truancy-3", Kind.MULTI_AGENCY, 3),
        ("severe-chronic", Kind.MULTI_AGENCY, 3),
    ],
)
def test_a_case_opening_crossing_opens_a_case_of_its_kind_and_tier(rule: str, kind: Kind, tier: int) -> None:
    assert on_crossed(None, rule) == Decision(Action.OPEN, kind, tier)


@pytest.mark.parametrize("rule", ["truancy-1", "chronic-risk"])
def test_tier_1_crossings_are_for_notifications_alone(rule: str) -> None:
    assert on_crossed(None, rule).action is Action.NONE
    assert on_crossed(OpenCase(Kind.SUCCESS_PLAN, 2, {"success-plan": True}), rule).action is Action.NONE


def test_a_new_reason_of_the_same_tier_joins_the_open_case_and_keeps_its_kind() -> None:
    case = OpenCase(Kind.SUCCESS_PLAN, 2, {"success-plan": True})

    assert on_crossed(case, "truancy-2") == Decision(Action.JOIN, Kind.SUCCESS_PLAN, 2)
    assert on_crossed(case, "chronic") == Decision(Action.JOIN, Kind.SUCCESS_PLAN, 2)


def test_a_tier_3_crossing_escalates_a_tier_2_case_to_multi_agency() -> None:
    case = OpenCase(Kind.SITE_INTERVENTION, 2, {"truancy-2": True})

    assert on_crossed(case, "truancy-3") == Decision(Action.ESCALATE, Kind.MULTI_AGENCY, 3)


def test_the_tier_never_drops_while_the_case_is_open() -> None:
    case = OpenCase(Kind.MULTI_AGENCY, 3, {"truancy-3": True})

    assert on_crossed(case, "success-plan") == Decision(Action.JOIN, Kind.MULTI_AGENCY, 3)
    assert on_crossed(case, "truancy-2") == Decision(Action.JOIN, Kind.MULTI_AGENCY, 3)


def test_a_clearing_that_leaves_no_standing_reason_before_anything_was_done_closes_in_error() -> None:
    case = OpenCase(Kind.SUCCESS_PLAN, 2, {"chronic": True})

    assert on_cleared(case, "chronic").action is Action.CLOSE_IN_ERROR


def test_a_clearing_is_only_recorded_when_another_reason_stands_or_staff_acted() -> None:
    two_reasons = OpenCase(Kind.SUCCESS_PLAN, 2, {"chronic": True, "success-plan": True})
    acted_on = OpenCase(Kind.SUCCESS_PLAN, 2, {"chronic": True}, acted_on=True)
    other_cleared = OpenCase(Kind.SUCCESS_PLAN, 2, {"chronic": True, "success-plan": False})

    assert on_cleared(two_reasons, "chronic").action is Action.RECORD
    assert on_cleared(acted_on, "chronic").action is Action.RECORD
    assert on_cleared(other_cleared, "chronic").action is Action.CLOSE_IN_ERROR


def test_a_clearing_of_a_rule_that_is_no_reason_of_the_case_changes_nothing() -> None:
    assert on_cleared(None, "chronic").action is Action.NONE
    assert on_cleared(OpenCase(Kind.SUCCESS_PLAN, 2, {"success-plan": True}), "truancy-1").action is Action.NONE


def test_a_goal_met_at_review_proposes_closing_the_case_whatever_its_tier() -> None:
    assert on_goal_met(OpenCase(Kind.SUCCESS_PLAN, 2, {"chronic": True})).action is Action.PROPOSE_CLOSING
    assert on_goal_met(OpenCase(Kind.MULTI_AGENCY, 3, {"truancy-3": True})).action is Action.PROPOSE_CLOSING


@pytest.mark.parametrize("kind", [Kind.SUCCESS_PLAN, Kind.SITE_INTERVENTION])
def test_a_goal_missed_at_review_escalates_a_tier_2_case_to_multi_agency_support(kind: Kind) -> None:
    assert on_goal_missed(OpenCase(kind, 2, {"truancy-2": True})) == Decision(Action.ESCALATE, Kind.MULTI_AGENCY, 3)


def test_a_goal_missed_at_tier_3_is_recorded_and_the_tier_stays() -> None:
    assert on_goal_missed(OpenCase(Kind.MULTI_AGENCY, 3, {"severe-chronic": True})) == Decision(Action.RECORD)
