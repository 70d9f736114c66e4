"""A generated district through ingest, eligibility and plans, then every threshold read again by a second consumer.

Plans gives each student who crossed a case-opening rule the cases the playbook's words call for (one
open at a time, of the right kind and tier); its own read of the attendance agrees with the
generator's counts; and reading the whole thresholds topic again from the start opens nothing twice
and publishes nothing new.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import httpx
import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from rollcall_dev.district import DayClosed, District
from rollcall_shared import topics
from tests.support.cases import expected_cases
from tests.support.consumers import settled
from tests.support.stack import TopicReader, every_item, serve, serve_http

pytestmark = pytest.mark.integration

async def test_a_generated_district_gets_its_cases_once_and_a_full_replay_opens_nothing_twice(
    kafka_bootstrap, databases, district_id
):
    run = uuid.uuid4().hex[:6]
    base = f"/v1/districts/{district_id}"
    district = District(district_id=district_id, seed=11, schools=2, students=300, days=45)
    ingest = ingest_app(IngestSettings(database_url=databases.create(f"gd_ingest_{run}", migrate="ingest"),
                                       kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05))
    eligibility = eligibility_app(EligibilitySettings(
        database_url=databases.create(f"gd_eligibility_{run}", migrate="eligibility"),
        kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"eligibility-{run}", outbox_poll_seconds=0.05))
    plans_database = databases.create(f"gd_plans_{run}", migrate="plans")

    def plans(group: str):
        return plans_app(PlansSettings(database_url=plans_database, kafka_bootstrap_servers=kafka_bootstrap,
                                       consumer_group=group, outbox_poll_seconds=0.05))  # fmt: skip

    first_plans = plans(f"plans-{run}")
    async with serve_http(ingest) as sis, serve(eligibility), serve(first_plans) as caseload, \
            TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds, \
            TopicReader(kafka_bootstrap, topics.CASES, district_id) as published:
        await _replay(sis, district)
        await settled(kafka_bootstrap, apps=[ingest, eligibility, first_plans], timeout=300)
        events = list(await thresholds.read_to_end())
        wanted = expected_cases(events)
        cases = await every_item(caseload, f"{base}/cases")
        first_published = {e["eventId"] for e in await published.read_to_end()}
        records = {case["studentId"]: (await caseload.get(f"{base}/cases/{case['caseId']}/record")).json()
                   for case in cases if case["status"] == "open"}  # fmt: skip

    replaying = plans(f"plans-replay-{run}")
    async with serve(replaying) as again, TopicReader(kafka_bootstrap, topics.CASES, district_id) as republished:
        await settled(kafka_bootstrap, apps=[replaying], timeout=300)
        replayed = await every_item(again, f"{base}/cases")
        after_replay = await republished.read_to_end()

    by_student = defaultdict(list)
    for case in cases:
        by_student[case["studentId"]].append((case["status"], case["kind"], case["tier"]))
    assert len(wanted) > 40 and {tier for each in wanted.values() for _, _, tier in each} == {2, 3}
    # Cases one batch opened and closed share a time: compare each student's cases, not their order.
    assert {student: sorted(each) for student, each in by_student.items()} == {
        student: sorted(each) for student, each in wanted.items()}  # fmt: skip
    assert all(sum(status == "open" for status, _, _ in each) <= 1 for each in by_student.values())
    students = {student.student_id: student for student in district.students}
    for student_id, record in records.items():
        counts = district.expected(students[student_id])
        assert (record["summary"]["schoolDays"], record["summary"]["absences"]) == (
            counts.enrolled_days, counts.absent_days), student_id  # fmt: skip

    assert sorted(c["caseId"] for c in replayed) == sorted(c["caseId"] for c in cases)
    assert [e for e in after_replay if e["eventId"] not in first_published] == [], "the replay published a change again"


async def _replay(sis: httpx.AsyncClient, district: District) -> None:
    base = f"/v1/districts/{district.district_id}"
    for step in district.replay():
        if isinstance(step, DayClosed):
            answer = await sis.post(f"{base}/schools/{step.school_id}/closed-days", json={"date": step.date.isoformat()})
        else:
            answer = await sis.post(f"{base}/ed-fi/{step.resource}", json=step.items)
        assert answer.status_code == 200, answer.text
