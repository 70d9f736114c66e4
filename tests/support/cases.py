"""What plans should make of a district's threshold events, worked out from the playbook's words."""

from __future__ import annotations

from collections import defaultdict

import httpx

from tests.support.stack import every_item

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


def cases_by_student(cases: list[dict]) -> dict[str, list[Case]]:
    """What the cases API lists, in the shape `expected_cases` gives (each student's cases sorted: one batch may
    open and close cases at the same moment)."""
    found: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        found[case["studentId"]].append((case["status"], case["kind"], case["tier"]))
    return {student: sorted(each) for student, each in found.items()}


async def cases_as(client: httpx.AsyncClient, base: str, wanted: dict[str, list[Case]]) -> list[dict] | None:
    """Every case of the district once they are the ones `wanted` calls for; None until then."""
    cases = await every_item(client, f"{base}/cases")
    return cases if cases_by_student(cases) == {s: sorted(each) for s, each in wanted.items()} else None
