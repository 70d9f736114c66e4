"""Eligibility killed mid-stream and restarted: every crossing emitted, none with a second id."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from rollcall_shared import topics
from tests.support.events import district_feed
from tests.support.oracle import expected_threshold_ids
from tests.support.process import ServiceProcess
from tests.support.stack import TopicReader, publish
from tests.support.consumers import settled

pytestmark = pytest.mark.integration


async def test_killed_eligibility_resumes_and_emits_each_crossing_once(kafka_bootstrap, databases, district_id, tmp_path):
    feed = district_feed(district_id, students=250, days=30)
    expected = expected_threshold_ids(feed.events)
    group, url = f"eligibility-{uuid.uuid4().hex[:6]}", databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    env = {
        "ELIGIBILITY_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "ELIGIBILITY_CONSUMER_GROUP": group,
        "ELIGIBILITY_BATCH_MAX_RECORDS": "300",
    }
    service = ServiceProcess("eligibility", env, tmp_path).start()
    try:
        async with TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
            publishing = asyncio.create_task(publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages()))
            await thresholds.wait_for(lambda m: len(m) >= len(expected) // 4, timeout=120)
            service.kill()
            await publishing
            service.start()
            await thresholds.wait_for(lambda m: {x["eventId"] for x in m} >= set(expected), timeout=180)
            await settled(kafka_bootstrap, groups=[(group, topics.ATTENDANCE)], databases=[url])
            seen = await thresholds.read_to_end()
    finally:
        service.stop()
    assert len(expected) > 100
    by_id: dict[str, dict] = {}
    for message in seen:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    assert set(by_id) == set(expected)
    assert {(m["studentId"], m["ruleId"], m["type"]) for m in by_id.values()} == set(expected.values())


async def test_a_second_consumer_joining_mid_stream_takes_over_partitions_without_a_second_crossing(
    kafka_bootstrap, databases, district_id, tmp_path
):
    feed = district_feed(district_id, students=250, days=30)
    expected = expected_threshold_ids(feed.events)
    group, url = f"eligibility-{uuid.uuid4().hex[:6]}", databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    env = {
        "ELIGIBILITY_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "ELIGIBILITY_CONSUMER_GROUP": group,
        "ELIGIBILITY_BATCH_MAX_RECORDS": "300",
    }
    first = ServiceProcess("eligibility", env, tmp_path).start()
    second = ServiceProcess("eligibility", env, tmp_path)
    try:
        async with TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
            publishing = asyncio.create_task(publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages()))
            await thresholds.wait_for(lambda m: len(m) >= len(expected) // 5, timeout=120)
            second.start()  # the group rebalances: some partitions move to the new consumer
            await thresholds.wait_for(lambda m: len(m) >= len(expected) // 2, timeout=120)
            first.stop()  # and back again, all to the second
            await publishing
            await thresholds.wait_for(lambda m: {x["eventId"] for x in m} >= set(expected), timeout=180)
            await settled(kafka_bootstrap, groups=[(group, topics.ATTENDANCE)], databases=[url])
            seen = await thresholds.read_to_end()
    finally:
        first.stop()
        second.stop()
    by_id: dict[str, dict] = {}
    for message in seen:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    assert set(by_id) == set(expected)
