"""What plans should make of a district's threshold events, worked out from the playbook's words."""

from __future__ import annotations

from collections import defaultdict

OPENS = {"success-plan": ("success-plan", 2), "chronic": ("success-plan", 2), "truancy-2": ("site-intervention", 2),
         "truancy-3": ("multi-agency", 3), "severe-chronic": ("multi-agency", 3)}  # fmt: skip
"""Rule -> the kind and tier of case its crossing asks for."""

Case = tuple[str, str, int]
"""(status, kind, tier)"""


def expected_cases(events: list[dict]) -> dict[str, list[Case]]:
    """Per student who crossed a case-opening rule, their cases in the order they opened, nobody acting on them.

    One open case at most; a crossing joins it and raises its tier, never lowers it; a clearing that
    leaves it without a standing reason closes it (opened in error), and a later crossing opens another.
    """
    cases: dict[str, list[Case]] = defaultdict(list)
    standing: dict[str, dict[str, bool]] = {}
    for event in events:
        student, rule = event["studentId"], event["ruleId"]
        if rule not in OPENS:
            continue
        reasons = standing.get(student)
        if event["type"] == "threshold.crossed":
            kind, tier = OPENS[rule]
            if reasons is None:
                standing[student] = {rule: True}
                cases[student].append(("open", kind, tier))
            elif not reasons.get(rule):
                reasons[rule] = True
                _, open_kind, open_tier = cases[student][-1]
                cases[student][-1] = ("open", kind, tier) if tier > open_tier else ("open", open_kind, open_tier)
        elif reasons is not None and rule in reasons:
            reasons[rule] = False
            if not any(reasons.values()):
                cases[student][-1] = ("closed", *cases[student][-1][1:])
                del standing[student]
    return dict(cases)
