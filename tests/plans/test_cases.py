"""Cases from crossings on the real broker and Postgres, and the API a Tier 2 team works with."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from plans.app import create_app as plans_app
from plans.settings import Settings
from rollcall_shared import topics
from rollcall_shared.events import ThresholdChanged
from tests.notifications.family import change
from tests.support.stack import TopicReader, publish, serve

pytestmark = pytest.mark.integration

SCHOOL = "255901001"


class Plans:
    def __init__(self, api, district_id: str, bootstrap: str) -> None:
        self.api = api
        self.district_id = district_id
        self.bootstrap = bootstrap
        self.base = f"/v1/districts/{district_id}"

    async def send(self, *changes: ThresholdChanged) -> None:
        await publish(self.bootstrap, topics.THRESHOLDS, [
            (topics.student_key(c.district_id, c.student_id), c.to_json()) for c in changes
        ])  # fmt: skip

    async def cases(self, **filters: Any) -> list[dict[str, Any]]:
        answer = await self.api.get(f"{self.base}/cases", params=filters)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    async def until(self, check, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := await check()):
            if time.monotonic() > deadline:
                raise AssertionError(f"not so after {timeout}s")
            await asyncio.sleep(0.2)
        return result


@pytest.fixture(scope="module")
async def plans(kafka_bootstrap, databases):
    district_id = f"test-{uuid.uuid4().hex[:10]}"
    run = uuid.uuid4().hex[:6]
    app = plans_app(Settings(
        database_url=databases.create(f"pl_plans_{run}", migrate="plans"), kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"plans-{run}", outbox_poll_seconds=0.05,
    ))  # fmt: skip
    async with serve(app) as api:
        base = f"/v1/districts/{district_id}"
        for staff_id, name in (("s-ana", "Ana Ruiz"), ("s-ben", "Ben Cole"), ("s-cy", "Cy Dunn")):
            assert (await api.put(f"{base}/staff/{staff_id}", json={"name": name, "role": "counselor"})).status_code == 200
        answer = await api.put(f"{base}/schools/{SCHOOL}/team", json={"staffIds": ["s-ana", "s-ben"]})
        assert answer.status_code == 200, answer.text
        yield Plans(api, district_id, kafka_bootstrap)


def crossing(plans: Plans, student: str, rule: str, **kwargs: Any) -> ThresholdChanged:
    return change(plans.district_id, student, rule, **kwargs)


async def test_crossings_open_join_and_escalate_one_case_whose_tier_never_drops(plans: Plans):
    async with TopicReader(plans.bootstrap, topics.CASES, plans.district_id) as published:
        await plans.send(crossing(plans, "800001", "success-plan"), crossing(plans, "800001", "truancy-1"))
        [opened] = await plans.until(lambda: plans.cases(studentId="800001"))
        await plans.send(crossing(plans, "800001", "truancy-2"), crossing(plans, "800001", "truancy-3"))
        await plans.until(lambda: _with(plans, "800001", tier=3))
        await plans.send(crossing(plans, "800001", "truancy-3", cleared=True))
        await plans.until(lambda: _timeline_has(plans, opened["caseId"], "reason truancy-3 cleared"))
        events = await published.wait_for(lambda seen: len(seen) >= 4)

    [case] = await plans.cases(studentId="800001")
    assert opened["kind"] == "success-plan" and opened["tier"] == 2 and opened["status"] == "open"
    assert opened["ownerId"] in ("s-ana", "s-ben")
    assert opened["followUpDue"] == (date.today() + timedelta(days=14)).isoformat()
    assert case["caseId"] == opened["caseId"]
    assert case["kind"] == "multi-agency" and case["tier"] == 3
    assert case["reasons"] == ["success-plan", "truancy-2", "truancy-3"]
    assert [e["type"] for e in events] == ["case.opened", "case.updated", "case.escalated", "case.updated"]
    assert events[2]["tier"] == 3 and events[-1]["tier"] == 3


async def test_new_cases_go_to_the_team_member_with_the_lightest_open_caseload(plans: Plans):
    await plans.send(*(crossing(plans, f"80010{n}", "chronic") for n in range(4)))
    cases = await plans.until(lambda: _all_of(plans, [f"80010{n}" for n in range(4)]))

    owners = [case["ownerId"] for case in cases]
    loads = {owner: len(await plans.cases(ownerId=owner, status="open")) for owner in ("s-ana", "s-ben")}
    assert set(owners) <= {"s-ana", "s-ben"}
    assert abs(loads["s-ana"] - loads["s-ben"]) <= 1


async def test_a_clearing_before_anything_was_done_closes_the_case_as_opened_in_error(plans: Plans):
    await plans.send(crossing(plans, "800201", "chronic"), crossing(plans, "800201", "chronic", cleared=True))
    [case] = await plans.until(lambda: _with(plans, "800201", status="closed"))

    assert case["outcome"] == "opened-in-error" and case["closedAt"] is not None
    assert await plans.cases(studentId="800201", status="open") == []


async def test_redelivered_crossings_open_nothing_twice(plans: Plans):
    events = [crossing(plans, "800301", "success-plan"), crossing(plans, "800301", "severe-chronic")]
    await plans.send(*events)
    await plans.until(lambda: _with(plans, "800301", tier=3))
    await plans.send(*events, *events)
    await asyncio.sleep(3)

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
    yesterday = (date.today() - timedelta(days=1)).isoformat()
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


async def _with(plans: Plans, student: str, **wanted: Any) -> list[dict[str, Any]] | None:
    cases = await plans.cases(studentId=student)
    return cases if cases and all(cases[0][k] == v for k, v in wanted.items()) else None


async def _all_of(plans: Plans, students: list[str]) -> list[dict[str, Any]] | None:
    cases = [case for s in students for case in await plans.cases(studentId=s)]
    return cases if len(cases) == len(students) else None


async def _timeline_has(plans: Plans, case_id: str, change: str) -> bool:
    detail = (await plans.api.get(f"{plans.base}/cases/{case_id}")).json()
    return any(entry["detail"].get("change") == change for entry in detail["timeline"])
