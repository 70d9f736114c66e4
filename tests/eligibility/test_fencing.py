"""A batch fenced off (another consumer has taken its partitions' leases) is read again by whoever owns the
partitions: never dead-lettered, never committed past."""

from __future__ import annotations

import uuid

import pytest

from eligibility.app import create_app
from eligibility.settings import Settings
from rollcall_shared import topics
from tests.support.consumers import caught_up, counter, lag, messages_on, outbox_sent, sql
from tests.support.events import district_feed
from tests.support.oracle import expected_threshold_ids
from tests.support.stack import TopicReader, publish, serve, until

pytestmark = pytest.mark.integration


async def test_a_fenced_batch_is_left_to_the_partitions_owner_never_dead_lettered_nor_committed(
    kafka_bootstrap, databases, district_id
):
    feed = district_feed(district_id, students=60, days=12)
    expected = expected_threshold_ids(feed.events)
    messages = feed.messages()
    before, after = messages[: len(messages) // 2], messages[len(messages) // 2 :]
    url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    group = f"eligibility-{uuid.uuid4().hex[:6]}"
    settings = Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, consumer_group=group,
                        outbox_poll_seconds=0.05, batch_max_records=200)  # fmt: skip
    async with serve(create_app(settings)) as first, TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as seen:
        await publish(kafka_bootstrap, topics.ATTENDANCE, before)
        await caught_up(kafka_bootstrap, group, topics.ATTENDANCE)
        # Another consumer takes every lease, as a new owner does on its assignment, before this one hears of it.
        assert sql(url, "WITH taken AS (UPDATE partition_lease SET epoch = epoch + 1 RETURNING 1) "
                        "SELECT count(*) FROM taken") == 4
        await publish(kafka_bootstrap, topics.ATTENDANCE, after)

        async def fenced() -> float:
            page = (await first.get("/metrics")).text
            return counter(page, "rollcall_batches_redelivered_total", group=group, reason="fenced")

        await until(fenced, timeout=60)
        held_back = await lag(kafka_bootstrap, group, topics.ATTENDANCE)
        async with serve(create_app(settings)):  # the group rebalances: each consumer takes its partitions' leases
            await seen.wait_for(lambda m: {x["eventId"] for x in m} >= set(expected), timeout=180)
            await caught_up(kafka_bootstrap, group, topics.ATTENDANCE)
            await outbox_sent(url)
    assert held_back == len(after), "a fenced batch was committed past"
    assert messages_on(kafka_bootstrap, topics.DEAD_LETTER) == 0
    by_id: dict[str, dict] = {}
    for message in seen.messages:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    assert set(by_id) == set(expected)
