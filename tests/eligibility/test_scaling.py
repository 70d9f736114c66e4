"""Eligibility scaled out and back in under load, one consumer's process stalled past its session timeout (its
partitions move on and it comes back fenced): nothing dead-lettered, every crossing once, the lag back to 0."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rollcall_shared import topics
from tests.support.broker import PrivateBroker
from tests.support.consumers import caught_up, messages_on, outbox_sent
from tests.support.events import district_feed
from tests.support.oracle import expected_threshold_ids
from tests.support.process import ServiceProcess
from tests.support.stack import TopicReader, publish

pytestmark = pytest.mark.integration

STALL_SECONDS = 12
"""Past the consumers' 10 s session timeout: the group moves the stalled consumer's partitions to the others."""


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[str]:
    """A broker of this test's own, with partitions enough for four consumers to share."""
    broker = PrivateBroker(partitions=8).start()
    try:
        yield broker.url
    finally:
        broker.stop()


async def _start(*consumers: ServiceProcess) -> None:
    # a process start compiles every module (no bytecode is written here): minutes on a busy machine
    await asyncio.gather(*(asyncio.to_thread(consumer.start, 240) for consumer in consumers))


async def _stop(*consumers: ServiceProcess) -> None:
    await asyncio.gather(*(asyncio.to_thread(consumer.stop) for consumer in consumers))


async def test_consumers_scaled_out_and_in_with_one_stalled_emit_every_crossing_once_and_catch_up(
    bootstrap, databases, district_id, tmp_path
):
    feed = district_feed(district_id, students=300, days=30)
    expected = expected_threshold_ids(feed.events)
    messages = feed.messages()
    third = len(messages) // 3
    url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    group = f"eligibility-{uuid.uuid4().hex[:6]}"
    env = {
        "ELIGIBILITY_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ELIGIBILITY_CONSUMER_GROUP": group,
        "ELIGIBILITY_BATCH_MAX_RECORDS": "200",
    }
    consumers = []
    for number in range(4):
        (log_dir := Path(tmp_path) / f"consumer-{number}").mkdir()
        consumers.append(ServiceProcess("eligibility", env, log_dir))
    stalled = consumers[1]

    def publishing(part: list[tuple[str, bytes]]) -> asyncio.Task[None]:
        return asyncio.create_task(publish(bootstrap, topics.ATTENDANCE, part))

    try:
        await _start(*consumers[:2])
        async with TopicReader(bootstrap, topics.THRESHOLDS, district_id) as thresholds:
            # each step happens while a third of the term is being published and applied
            first = publishing(messages[:third])
            await _start(*consumers[2:])  # 2 -> 4
            await first
            second = publishing(messages[third : 2 * third])
            assert stalled.process is not None
            stalled.process.send_signal(signal.SIGSTOP)  # its event loop stops: no heartbeat, no commit
            await asyncio.sleep(STALL_SECONDS)  # the fault itself, not a wait for an outcome
            stalled.process.send_signal(signal.SIGCONT)
            await second
            last = publishing(messages[2 * third :])
            await _stop(*consumers[2:])  # 4 -> 2, the stalled one among those left
            await last
            await thresholds.wait_for(lambda m: {x["eventId"] for x in m} >= set(expected), timeout=180)
            await caught_up(bootstrap, group, topics.ATTENDANCE)
            await outbox_sent(url)
    finally:
        if stalled.process is not None and stalled.process.poll() is None:
            stalled.process.send_signal(signal.SIGCONT)
        await _stop(*consumers)

    assert len(expected) > 100
    assert messages_on(bootstrap, topics.DEAD_LETTER) == 0, "a message was dead-lettered"
    by_id: dict[str, dict] = {}
    for message in thresholds.messages:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    assert set(by_id) == set(expected)
    assert {(m["studentId"], m["ruleId"], m["type"]) for m in by_id.values()} == set(expected.values())
