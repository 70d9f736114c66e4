"""Cases from crossings on the real broker and Postgres, and the API a Tier 2 team works with."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rollcall_shared import topics
from tests.plans.caseload import SCHOOL, Plans, all_of, crossing, timeline_has, with_
from tests.support.stack import TopicReader

pytestmark = pytest.mark.integration


async def test_crossings_open_join_and_escalate_one_case_whose_tier_never_drops(plans: Plans):
    async with TopicReader(plans.bootstrap, topics.CASES, plans.district_id) as published:
        await plans.send(crossing(plans, "800001", "success-plan"), crossing(plans, "800001", "truancy-1"))
        [opened] = await plans.until(lambda: plans.cases(studentId="800001"))
        await plans.send(crossing(plans, "800001", "truancy-2"), crossing(plans, "800001", "truancy-3"))
        await plans.until(lambda: with_(plans, "800001", tier=3))
        await plans.send(crossing(plans, "800001", "truancy-3", cleared=True))
        await plans.until(lambda: timeline_has(plans, opened["caseId"], "reason truancy-3 cleared"))
        events = await published.wait_for(lambda seen: len(seen) >= 4)

    [case] = await plans.cases(studentId="800001")
    assert opened["kind"] == "success-plan" and opened["tier"] == 2 and opened["status"] == "open"
    assert opened["ownerId"] in ("s-ana", "s-ben")
    assert opened["followUpDue"] == (plans.today() + timedelta(days=14)).isoformat()
    assert case["caseId"] == opened["caseId"]
    assert case["kind"] == "multi-agency" and case["tier"] == 3
    assert case["reasons"] == ["success-plan", "truancy-2", "truancy-3"]
    assert [e["type"] for e in events] == ["case.opened", "case.updated", "case.escalated", "case.updated"]
    assert events[2]["tier"] == 3 and events[-1]["tier"] == 3


async def test_new_cases_go_to_the_team_member_with_the_lightest_open_caseload(plans: Plans):
    await plans.send(*(crossing(plans, f"80010{n}", "chronic") for n in range(4)))
    cases = await plans.until(lambda: all_of(plans, [f"80010{n}" for n in range(4)]))

    owners = [case["ownerId"] for case in cases]
    loads = {owner: len(await plans.cases(ownerId=owner, status="open")) for owner in ("s-ana", "s-ben")}
    assert set(owners) <= {"s-ana", "s-ben"}
    assert abs(loads["s-ana"] - loads["s-ben"]) <= 1


async def test_a_clearing_before_anything_was_done_closes_the_case_as_opened_in_error(plans: Plans):
    await plans.send(crossing(plans, "800201", "chronic"), crossing(plans, "800201", "chronic", cleared=True))
    [case] = await plans.until(lambda: with_(plans, "800201", status="closed"))

    assert case["outcome"] == "opened-in-error" and case["closedAt"] is not None
    assert await plans.cases(studentId="800201", status="open") == []


async def test_redelivered_crossings_open_nothing_twice(plans: Plans):
    events = [crossing(plans, "800301", "success-plan"), crossing(plans, "800301", "severe-chronic")]
    await plans.send(*events)
    await plans.until(lambda: with_(plans, "800301", tier=3))
    await plans.send(*events, *events)
    await plans.settled()

    [case] = await plans.cases(studentId="800301")
    detail = (await plans.api.get(f"{plans.base}/cases/{case['caseId']}")).json()
    assert [entry["what"] for entry in detail["timeline"]] == ["case.opened", "case.escalated"]


async def test_a_tier_2_team_reassigns_lists_overdue_and_closes_a_case_with_every_change_audited(plans: Plans):
    opened = await plans.api.post(f"{plans.base}/cases", json={
        "staffId": "s-cy", "studentId": "800401", "schoolId": SCHOOL, "schoolYear": 2022, "note": "referred by teacher",
    })  # fmt: skip
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["caseId"]
    again = await plans.api.post(f"{plans.base}/cases", json={
        "staffId": "s-cy", "studentId": "800401", "schoolId": SCHOOL, "schoolYear": 2022,
    })  # fmt: skip
    unknown = await plans.api.patch(f"{plans.base}/cases/{case_id}", json={"staffId": "nobody", "ownerId": "s-cy"})
    yesterday = (plans.today() - timedelta(days=1)).isoformat()
    moved = await plans.api.patch(
        f"{plans.base}/cases/{case_id}", json={"staffId": "s-cy", "ownerId": "s-cy", "followUpDue": yesterday}
    )
    overdue = await plans.cases(overdue="true", ownerId="s-cy")
    closed = await plans.api.post(f"{plans.base}/cases/{case_id}/close", json={"staffId": "s-cy", "outcome": "closed-by-staff"})

    assert again.status_code == 409 and unknown.status_code == 422
    assert moved.json()["ownerId"] == "s-cy" and moved.json()["followUpDue"] == yesterday
    assert [case["caseId"] for case in overdue] == [case_id]
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "closed-by-staff"
    audit = [(entry["actor"], entry["what"]) for entry in closed.json()["timeline"]]
    assert audit == [("s-cy", "case.opened"), ("s-cy", "case.updated"), ("s-cy", "case.closed")]
