"""A plans process killed (SIGKILL) while crossings flow, and started again, opens nothing twice."""

from __future__ import annotations

import uuid
from collections import Counter

import httpx
import pytest

from rollcall_shared import topics
from tests.notifications.family import change
from tests.support.process import ServiceProcess
from tests.support.consumers import settled
from tests.support.stack import TopicReader, every_item, publish, until
from tests.support.auth import EVERY_SCOPE

pytestmark = pytest.mark.integration

STUDENTS = 300


async def test_a_restart_mid_stream_opens_one_case_per_student_and_publishes_each_opening_once(
    kafka_bootstrap, databases, district_id, tmp_path
):
    run = uuid.uuid4().hex[:6]
    database_url = databases.create(f"pr_plans_{run}", migrate="plans")
    plans = ServiceProcess("plans", {
        "PLANS_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "PLANS_CONSUMER_GROUP": f"plans-{run}",
    }, tmp_path)  # fmt: skip
    students = [f"81{n:04d}" for n in range(STUDENTS)]
    crossings = [
        (topics.student_key(district_id, s), change(district_id, s, rule).to_json())
        for s in students
        for rule in ("success-plan", "truancy-2", "truancy-3")
    ]
    plans.start()
    try:
        async with httpx.AsyncClient(base_url=plans.url, timeout=30, auth=EVERY_SCOPE) as api, \
                TopicReader(kafka_bootstrap, topics.CASES, district_id) as published:
            await publish(kafka_bootstrap, topics.THRESHOLDS, crossings)
            await published.wait_for(lambda seen: len(seen) >= 50, timeout=60)
            plans.kill()
            before = len(published.messages)
            plans.start()
            cases = await until(lambda: _all_escalated(api, f"/v1/districts/{district_id}"), 120)
            await settled(kafka_bootstrap, groups=[(f"plans-{run}-cases", topics.THRESHOLDS)], databases=[database_url])
            events = await published.read_to_end()
    finally:
        plans.stop()

    assert before < 3 * STUDENTS, "the kill came after every crossing was applied"
    assert Counter(case["studentId"] for case in cases) == Counter(students)
    assert {(case["kind"], case["tier"]) for case in cases} == {("multi-agency", 3)}
    assert Counter(e["type"] for e in {e["eventId"]: e for e in events}.values()) == {
        "case.opened": STUDENTS, "case.updated": STUDENTS, "case.escalated": STUDENTS,
    }
    opened = Counter(e["caseId"] for e in events if e["type"] == "case.opened")
    assert len(opened) == STUDENTS, "a second case opened for a student"


async def _all_escalated(api: httpx.AsyncClient, base: str) -> list[dict] | None:
    cases = await every_item(api, f"{base}/cases")
    return cases if len(cases) >= STUDENTS and all(case["tier"] == 3 for case in cases) else None
