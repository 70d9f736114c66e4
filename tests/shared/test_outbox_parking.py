"""The outbox relay on a broker of the test's own: a message the broker refuses for good is parked and the messages
after it go out in order; a broker outage parks nothing and keeps every message for the next try."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka.errors import KafkaError
from prometheus_client import REGISTRY
from sqlalchemy import select

from plans.base import OutboxMessage, ParkedMessage
from rollcall_shared import topics
from rollcall_shared.broker import make_producer
from rollcall_shared.db import Database
from rollcall_shared.outbox import Outbox, OutboxRelay
from rollcall_shared.parked import parked_messages, refused_for_good
from tests.support.stack import TopicReader, until

pytestmark = pytest.mark.integration

TOO_LARGE = json.dumps({"n": "large", "padding": "x" * 1_200_000}).encode()
"""Over the producer's 1 MiB limit (`KAFKA_MAX_MESSAGE_BYTES`): refused however often it is sent."""


@pytest.fixture
async def database(databases):
    database = Database(databases.create(f"relay_{uuid.uuid4().hex[:6]}", migrate="plans"))
    try:
        yield database
    finally:
        await database.dispose()


async def queue(database: Database, key: str) -> None:
    """Five good messages for one student with the one too large in the middle, as a service's work writes them."""
    good = [(topics.THRESHOLDS, key, json.dumps({"n": n}).encode()) for n in range(5)]
    async with database.transaction() as session:
        await Outbox(OutboxMessage).add(session, [*good[:3], (topics.THRESHOLDS, key, TOO_LARGE), *good[3:]],
                                        headers={"x-correlation-id": "batch-7"})  # fmt: skip


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def relayed(relay: OutboxRelay) -> int:
    """One round of the relay as its loop runs it: a failed round is tried again."""
    try:
        return await relay.relay_once()
    except Exception:
        return 0


async def test_a_message_too_large_for_the_broker_is_parked_and_the_messages_around_it_go_out_in_order(
    broker, database, district_id
):
    key, service = f"{district_id}:s1", f"relay-{district_id}"
    await queue(database, key)
    producer = make_producer(broker.url)
    await producer.start()
    relay = OutboxRelay(database=database, model=OutboxMessage, parked=ParkedMessage, producer=producer,
                        service=service)  # fmt: skip
    labels = {"service": service, "topic": topics.THRESHOLDS}
    try:
        taken = await relay.relay_once()
    finally:
        await producer.stop()
    async with TopicReader(broker.url, topics.THRESHOLDS, district_id) as reader:
        delivered = await reader.wait_for(lambda seen: len(seen) >= 5)
    [parked] = await parked_messages(database, ParkedMessage)
    async with database.sessions() as session:
        stored = (await session.execute(select(ParkedMessage.key, ParkedMessage.value, ParkedMessage.headers))).one()

    assert taken == 6
    assert [message["n"] for message in delivered] == [0, 1, 2, 3, 4]
    assert (parked.topic, parked.size) == (topics.THRESHOLDS, len(TOO_LARGE))
    assert parked.reason.startswith("MessageSizeTooLargeError")
    assert stored == (key, TOO_LARGE, {"x-correlation-id": "batch-7"}), "kept whole, to be sent again"
    assert await relay.backlog() == (0, None)
    assert counted("rollcall_outbox_parked_total", **labels) == 1
    assert counted("rollcall_events_published_total", **labels) == 5


async def test_a_broker_outage_parks_nothing_and_every_message_waits_for_the_broker(broker, database, district_id):
    key, service = f"{district_id}:s1", f"relay-{district_id}"
    await queue(database, key)
    producer = make_producer(broker.url)
    await producer.start()
    relay = OutboxRelay(database=database, model=OutboxMessage, parked=ParkedMessage, producer=producer,
                        service=service)  # fmt: skip
    try:
        broker.stop()
        with pytest.raises(KafkaError) as outage:
            await relay.relay_once()
        waiting_during, _ = await relay.backlog()
        parked_during = await parked_messages(database, ParkedMessage)

        broker.start()
        await until(lambda: relayed(relay), timeout=90)
    finally:
        await producer.stop()
    async with TopicReader(broker.url, topics.THRESHOLDS, district_id) as reader:
        delivered = await reader.wait_for(lambda seen: len(seen) >= 5)
    parked_after = await parked_messages(database, ParkedMessage)

    assert not refused_for_good(outage.value), outage.value
    assert (waiting_during, parked_during) == (6, [])
    assert list(dict.fromkeys(message["n"] for message in delivered)) == [0, 1, 2, 3, 4]
    assert [message.size for message in parked_after] == [len(TOO_LARGE)], "refused for good once the broker answers"
    assert await relay.backlog() == (0, None)
    assert counted("rollcall_outbox_parked_total", service=service, topic=topics.THRESHOLDS) == 1
