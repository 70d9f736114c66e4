"""The playbook's case rules on plain data: which crossing opens, joins or escalates a case, when a clearing closes it, and what a goal's review does."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    SUCCESS_PLAN = "success-plan"
    SITE_INTERVENTION = "site-intervention"
    MULTI_AGENCY = "multi-agency"


OPENS: dict[str, tuple[Kind, int]] = {
    "success-plan": (Kind.SUCCESS_PLAN, 2),
    "truancy-2": (Kind.SITE_INTERVENTION, 2),
    "chronic": (Kind.SUCCESS_PLAN, 2),
    "truancy-3": (Kind.MULTI_AGENCY, 3),
    "severe-chronic": (Kind.MULTI_AGENCY, 3),
}
"""What a crossing of each rule asks of plans; truancy-1 and chronic-risk are Tier 1, notifications' alone."""


@dataclass
class OpenCase:
    """What the rules need to know of a student's open case."""

    kind: Kind
    tier: int
    reasons: dict[str, bool] = field(default_factory=dict)
    """Rule id -> still standing."""
    acted_on: bool = False


class Action(StrEnum):
    NONE = "none"
    OPEN = "open"
    JOIN = "join"
    ESCALATE = "escalate"
    RECORD = "record"
    CLOSE_IN_ERROR = "close-in-error"
    PROPOSE_CLOSING = "propose-closing"


@dataclass(frozen=True)
class Decision:
    action: Action
    kind: Kind | None = None
    tier: int | None = None


def on_crossed(case: OpenCase | None, rule_id: str) -> Decision:
    """A crossing opens a case, joins the open one, or escalates it; a tier never drops while open."""
    if rule_id not in OPENS:
        return Decision(Action.NONE)
    kind, tier = OPENS[rule_id]
    if case is None:
        return Decision(Action.OPEN, kind, tier)
    if tier > case.tier:
        return Decision(Action.ESCALATE, kind, tier)
    return Decision(Action.JOIN, case.kind, case.tier)


def on_cleared(case: OpenCase | None, rule_id: str) -> Decision:
    """A clearing that leaves no standing reason before staff acted closes the case as opened in error."""
    if case is None or rule_id not in case.reasons:
        return Decision(Action.NONE)
    standing = {rule for rule, stands in case.reasons.items() if stands and rule != rule_id}
    if not standing and not case.acted_on:
        return Decision(Action.CLOSE_IN_ERROR)
    return Decision(Action.RECORD)


def on_goal_met(case: OpenCase) -> Decision:
    """A goal met at its review proposes closing the case as `goal-met`; staff decide."""
    return Decision(Action.PROPOSE_CLOSING)


def on_goal_missed(case: OpenCase) -> Decision:
    """A goal missed at its review escalates the case to Tier 3 multi-agency support; at Tier 3 it is recorded."""
    if case.tier < 3:
        return Decision(Action.ESCALATE, Kind.MULTI_AGENCY, 3)
    return Decision(Action.RECORD)
