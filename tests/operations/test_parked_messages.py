"""A message plans cannot publish (too large for its broker limit) is parked and shown in `/metrics`; the operator
lists it with `rollcall parked list`, raises the limit, and `rollcall parked resend` gets it published."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from plans.app import create_app
from plans.base import OutboxMessage
from plans.settings import Settings
from rollcall_dev.admin import main
from rollcall_shared import topics
from rollcall_shared.db import Database
from rollcall_shared.outbox import Outbox
from tests.support.stack import TopicReader, serve, until

pytestmark = pytest.mark.integration

LARGE = json.dumps({"n": "large", "padding": "x" * 1_200_000}).encode()
PARKED = ("rollcall_outbox_parked_messages", frozenset({("service", "plans")}))


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset], float]:
    text = (await client.get("/metrics")).text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}  # fmt: skip


async def test_a_parked_message_is_listed_and_sent_again_once_the_limit_is_raised(
    kafka_bootstrap, databases, district_id, monkeypatch, capsys
):
    url = databases.create(f"parked_{uuid.uuid4().hex[:6]}", migrate="plans")
    monkeypatch.setenv("PLANS_DATABASE_URL", url)
    key = f"{district_id}:s1"
    common = dict(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"parked-{district_id}",
                  outbox_poll_seconds=0.05, metrics_seconds=0.2)  # fmt: skip
    database = Database(url)
    parked_counter = ("rollcall_outbox_parked_total", frozenset({("service", "plans"), ("topic", topics.CASES)}))

    async with serve(create_app(Settings(**common))) as plans:
        before = await scrape(plans)
        async with database.transaction() as session:
            await Outbox(OutboxMessage).add(session, [(topics.CASES, key, LARGE), (topics.CASES, key, b'{"n": 1}')])
        seen_parked = await until(lambda: _metrics_where(plans, lambda m: m.get(PARKED) == 1), timeout=60)
    listed = await asyncio.to_thread(main, ["parked", "list", "plans"])
    listing = capsys.readouterr().out

    async with serve(create_app(Settings(**common, kafka_max_message_bytes=2 * 1024 * 1024))) as plans:
        resent = await asyncio.to_thread(main, ["parked", "resend", "plans", "--all"])
        async with TopicReader(kafka_bootstrap, topics.CASES, district_id) as reader:
            published = await reader.wait_for(lambda seen: any(m["n"] == "large" for m in seen), timeout=60)
        seen_after = await until(lambda: _metrics_where(plans, lambda m: m.get(PARKED) == 0), timeout=60)
    again = await asyncio.to_thread(main, ["parked", "list", "plans"])
    listing_after = capsys.readouterr().out
    await database.dispose()

    assert seen_parked[parked_counter] - before.get(parked_counter, 0) == 1
    assert (listed, again) == (0, 0)
    assert f"plans #1  {topics.CASES}  {len(LARGE):,} bytes" in listing and "MessageSizeTooLargeError" in listing
    assert district_id not in listing, "a parked message's key and value name students: never shown"
    assert resent == 0
    assert [m["n"] for m in published] == [1, "large"], "the others went on; the parked one once it could"
    assert seen_after[PARKED] == 0
    assert "No parked messages." in listing_after


async def _metrics_where(client: httpx.AsyncClient, holds) -> dict | None:
    found = await scrape(client)
    return found if holds(found) else None
