"""A generated district through ingest, eligibility and plans, then every threshold read again by a second consumer.

Plans gives each student who crossed a case-opening rule the cases the playbook's words call for (one
open at a time, of the right kind and tier); its own read of the attendance agrees with the
generator's counts; and reading the whole thresholds topic again from the start opens nothing twice
and publishes nothing new.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from rollcall_dev.district import DayClosed, District
from rollcall_shared import topics
from tests.notifications.family import change
from tests.support.cases import expected_cases
from tests.support.stack import TopicReader, every_item, serve, serve_http, until

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

    async with serve_http(ingest) as sis, serve(eligibility), serve(plans(f"plans-{run}")) as caseload, \
            TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds, \
            TopicReader(kafka_bootstrap, topics.CASES, district_id) as published:
        await _replay(sis, district)
        await thresholds.wait_for(lambda seen: len(seen) > 100, timeout=180)
        events = list(await thresholds.settle(quiet=5))
        wanted = expected_cases(events)
        cases = await until(lambda: _all_cases(caseload, base, wanted), 180)
        first_published = {e["eventId"] for e in await published.settle(quiet=3)}
        records = {case["studentId"]: (await caseload.get(f"{base}/cases/{case['caseId']}/record")).json()
                   for case in cases if case["status"] == "open"}  # fmt: skip

    async with serve(plans(f"plans-replay-{run}")) as again, \
            TopicReader(kafka_bootstrap, topics.CASES, district_id) as republished:
        sentinels = await _one_crossing_per_partition(kafka_bootstrap, district_id)
        await until(lambda: _opened(again, base, sentinels), 180)
        replayed = await every_item(again, f"{base}/cases")
        after_replay = await republished.settle(quiet=3)

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

    assert sorted(c["caseId"] for c in replayed if c["studentId"] not in sentinels) == sorted(c["caseId"] for c in cases)
    new_events = [e for e in after_replay if e["eventId"] not in first_published]
    assert {e["studentId"] for e in new_events} == set(sentinels), "the replay published a change of a case again"


async def _replay(sis: httpx.AsyncClient, district: District) -> None:
    base = f"/v1/districts/{district.district_id}"
    for step in district.replay():
        if isinstance(step, DayClosed):
            answer = await sis.post(f"{base}/schools/{step.school_id}/closed-days", json={"date": step.date.isoformat()})
        else:
            answer = await sis.post(f"{base}/ed-fi/{step.resource}", json=step.items)
        assert answer.status_code == 200, answer.text


async def _all_cases(client: httpx.AsyncClient, base: str, wanted: dict) -> list[dict] | None:
    cases = await every_item(client, f"{base}/cases")
    opened = sum(len(each) for each in wanted.values())
    closed = sum(status == "closed" for each in wanted.values() for status, _, _ in each)
    return cases if len(cases) >= opened and sum(c["status"] == "closed" for c in cases) >= closed else None


async def _one_crossing_per_partition(bootstrap: str, district_id: str) -> list[str]:
    """A crossing for a new student on each partition: once each has its case, everything before it was read."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        students = [f"sentinel-{partition}" for partition in sorted(await producer.partitions_for(topics.THRESHOLDS))]
        for partition, student in enumerate(students):
            crossed = change(district_id, student, "success-plan")
            await producer.send_and_wait(topics.THRESHOLDS, crossed.to_json(), partition=partition,
                                         key=topics.student_key(district_id, student).encode())  # fmt: skip
        return students
    finally:
        await producer.stop()


async def _opened(client: httpx.AsyncClient, base: str, students: list[str]) -> bool:
    found = await asyncio.gather(*(client.get(f"{base}/cases", params={"studentId": s}) for s in students))
    return all(answer.json()["items"] for answer in found)
