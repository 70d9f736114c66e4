"""A consumer whose database is down hands its batch back after a growing wait, not in a tight loop, and applies
it once the database is back: nothing set aside, nothing lost. Notifications waits on ingest the same way."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from faststream.kafka import KafkaMessage
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from notifications.app import create_app as notifications_app
from plans.base import InboxMessage, OutboxMessage, ParkedMessage
from rollcall_shared import topics
from rollcall_shared.broker import consumer_lag, make_broker, make_producer
from rollcall_shared.consuming import Backoff, apply_apart, batch_options
from rollcall_shared.db import Database
from rollcall_shared.events import RosterChanged
from rollcall_shared.inbox import claim_new
from rollcall_shared.outbox import Outbox, OutboxRelay
from tests.support.outside import notifications_settings
from tests.support.proxy import TcpProxy
from tests.support.stack import publish, serve, until

pytestmark = pytest.mark.integration

WINDOW = 12.0
"""Seconds of outage watched. Waits of 0.5, 1, 2, 4 and 8 s give 5 attempts in it; without them, hundreds."""


async def test_a_consumer_whose_database_is_down_asks_less_and_less_often_then_applies_the_batch(broker, databases):
    url = make_url(databases.create(f"backoff_{uuid.uuid4().hex[:6]}", migrate="plans"))
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    database = Database(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    producer = make_producer(broker.url)  # dead letters would be relayed with it; none are expected
    relay = OutboxRelay(database=database, model=OutboxMessage, parked=ParkedMessage, producer=producer)
    attempts: list[float] = []

    async def apply(records) -> None:
        attempts.append(time.monotonic())
        async with database.transaction() as session:
            await claim_new(session, InboxMessage, [f"roster-{record.partition}-{record.offset}" for record in records])

    consumer = make_broker(broker.url)
    backoff = Backoff()

    @consumer.subscriber(topics.ROSTER, group_id="backoff-test", **batch_options())
    async def on_roster(message: KafkaMessage) -> None:
        await apply_apart(list(message.raw_message), apply, database=database, relay=relay,
                          outbox=Outbox(OutboxMessage), group="backoff-test", backoff=backoff)  # fmt: skip

    try:
        await proxy.stop()  # the database goes down
        await consumer.start()
        await publish(broker.url, topics.ROSTER, [("district:s1", b"{}"), ("district:s2", b"{}")])
        await until(lambda: attempts, timeout=60)
        await until(lambda: time.monotonic() >= attempts[0] + WINDOW, timeout=WINDOW + 5)
        seen = [moment - attempts[0] for moment in attempts if moment - attempts[0] < WINDOW]

        await proxy.start()  # and comes back
        await until(lambda: _applied(database), timeout=90)
    finally:
        await consumer.stop()
        await producer.stop()
        await proxy.stop()
        await database.dispose()
    first_half = sum(moment < WINDOW / 2 for moment in seen)

    assert 3 <= len(seen) <= 7, f"attempts {len(seen)} in {WINDOW:.0f} s: {seen}"
    assert first_half > len(seen) - first_half, f"the waits grow: {seen}"
    assert backoff.outages == 0, "a batch applied starts the waits over"


async def _applied(database: Database) -> bool:
    """Both messages applied, and none set aside as a dead letter (that would be in the outbox)."""
    async with database.sessions() as session:
        applied = await session.scalar(select(func.count()).select_from(InboxMessage))
        dead = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert dead == 0, "an outage is never a reason to set a message aside"
    return applied == 2


class StubIngest:
    """Ingest's roster endpoint, answering 503 until `up`, then no documents; keeps when each request came."""

    def __init__(self) -> None:
        self.requests: list[float] = []
        self.up = False
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.requests.append(time.monotonic())
                body = json.dumps({"students": [], "contacts": [], "studentContactAssociations": []}).encode()
                self.send_response(200 if stub.up else 503)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def stub_ingest() -> Iterator[StubIngest]:
    stub = StubIngest()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()


async def test_notifications_asks_an_ingest_that_is_down_less_and_less_often_then_reads_the_roster(
    broker, databases, district_id
):
    group = f"notifications-{district_id}"
    url = databases.create(f"backoff_notif_{uuid.uuid4().hex[:6]}", migrate="notifications")
    changed = RosterChanged(event_id=str(uuid.uuid4()), district_id=district_id, recorded_at=datetime.now(UTC),
                            resource="student", student_id="604822")  # fmt: skip
    dead_letters = ("rollcall_dead_letters_total", {"group": group, "topic": topics.ROSTER})

    with stub_ingest() as ingest:
        settings = notifications_settings(database_url=url, kafka_bootstrap_servers=broker.url, consumer_group=group,
                                          ingest_url=ingest.url, hold_seconds=3600)  # fmt: skip
        async with serve(notifications_app(settings)):
            await publish(broker.url, topics.ROSTER, [(f"{district_id}:604822", changed.to_json())])
            await until(lambda: ingest.requests, timeout=60)
            first = ingest.requests[0]
            await until(lambda: time.monotonic() >= first + WINDOW, timeout=WINDOW + 5)
            seen = [moment - first for moment in ingest.requests if moment - first < WINDOW]

            ingest.up = True
            await until(lambda: _read_to_the_end(broker.url, f"{group}-roster"), timeout=90)
    first_half = sum(moment < WINDOW / 2 for moment in seen)

    assert 3 <= len(seen) <= 7, f"requests {len(seen)} in {WINDOW:.0f} s: {seen}"
    assert first_half > len(seen) - first_half, f"the waits grow: {seen}"
    assert not REGISTRY.get_sample_value(*dead_letters), "ingest being down is never the message's fault"


async def _read_to_the_end(bootstrap: str, group: str) -> bool:
    """The group committed past the roster message: applied and acknowledged."""
    return sum((await asyncio.to_thread(consumer_lag, bootstrap, group, topics.ROSTER)).values()) == 0
