"""The operator's command line against a broker of the test's own: lag, replay from the start, re-driving dead letters."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, KafkaProducer

from rollcall_dev.admin import main
from rollcall_shared import topics
from rollcall_shared.broker import consumer_lag, ensure_topics
from rollcall_shared.local_broker import start_local_broker
from tests.support.process import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(monkeypatch):
    port = free_port()
    process = start_local_broker(port=port)
    url = f"127.0.0.1:{port}"
    try:
        ensure_topics(url, 2)
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", url)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def read_all(url: str, topic: str, group: str, expected: int) -> list:
    consumer = KafkaConsumer(topic, bootstrap_servers=url, group_id=group, auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=1000,
                             max_poll_interval_ms=30000)  # fmt: skip
    records, deadline = [], time.monotonic() + 60
    while len(records) < expected and time.monotonic() < deadline:
        for batch in consumer.poll(1000).values():
            records += batch
    consumer.commit()
    consumer.close()
    return records


def test_a_stopped_group_replays_a_topic_from_the_start_and_lag_says_how_far_behind(broker, capsys):
    producer = KafkaProducer(bootstrap_servers=broker, enable_idempotence=False)
    for n in range(6):
        producer.send(topics.THRESHOLDS, b"{}", key=f"d:{n}".encode()).get(10)
    producer.close()
    assert len(read_all(broker, topics.THRESHOLDS, "replayed", 6)) == 6

    caught_up = sum(consumer_lag(broker, "replayed", topics.THRESHOLDS).values())
    assert main(["replay", "--group", "replayed", "--topic", topics.THRESHOLDS]) == 0
    behind = sum(consumer_lag(broker, "replayed", topics.THRESHOLDS).values())
    assert main(["lag", "--group", "replayed"]) == 0
    printed = capsys.readouterr().out

    assert (caught_up, behind) == (0, 6)
    assert "6 message(s) to read again" in printed
    assert "replayed" in printed and topics.THRESHOLDS in printed


def test_dead_letters_go_back_to_their_topic_once_without_their_dead_letter_headers(broker, capsys):
    producer = KafkaProducer(bootstrap_servers=broker, enable_idempotence=False)
    for n, consumer in enumerate(("plans", "notifications")):
        producer.send(topics.DEAD_LETTER, f'{{"n": {n}}}'.encode(), key=b"d:1", headers=[
            ("x-correlation-id", b"trace-1"), ("x-dead-letter-reason", b"unreadable"),
            ("x-dead-letter-source", f"{topics.THRESHOLDS}/0/{n}".encode()), ("x-dead-letter-consumer", consumer.encode()),
        ]).get(10)  # fmt: skip
    producer.close()

    assert main(["redrive", "--wait", "8"]) == 0
    assert main(["redrive", "--wait", "8"]) == 0
    redriven = read_all(broker, topics.THRESHOLDS, "check", 2)
    printed = capsys.readouterr().out

    assert sorted(record.value for record in redriven) == [b'{"n": 0}', b'{"n": 1}']
    assert {record.key for record in redriven} == {b"d:1"}
    assert all(dict(record.headers) == {"x-correlation-id": b"trace-1"} for record in redriven)
    assert "2 dead letter(s) sent back to their topics" in printed
    assert "0 dead letter(s) sent back" in printed, "a second run finds nothing new"
