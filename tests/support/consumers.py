"""What a consumer group has done, read from the broker and its service's database: lag, outbox, messages sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from fastapi import FastAPI

from kafka.admin import OffsetSpec
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from rollcall_shared.broker import admin_client, consumer_lag, consumer_lags, partitions_of
from tests.support.stack import until


async def lag(bootstrap: str, group: str, topic: str) -> int:
    """Messages on the topic the group has not committed yet."""
    return sum((await asyncio.to_thread(consumer_lag, bootstrap, group, topic)).values())


async def caught_up(bootstrap: str, group: str, topic: str, timeout: float = 180) -> None:
    """Wait until the group has committed every message on the topic."""

    async def done() -> bool:
        return await lag(bootstrap, group, topic) == 0

    await until(done, timeout)


def messages_on(bootstrap: str, topic: str) -> int:
    """Every message ever sent to the topic (its end offsets summed)."""
    admin = admin_client(bootstrap)
    try:
        latest = admin.list_partition_offsets(dict.fromkeys(partitions_of(admin, topic), OffsetSpec.LATEST))
        return sum(found.offset for found in latest.values())
    finally:
        admin.close()


def sql(database_url: str, statement: str) -> int:
    """Run one statement on the service's database, committed; the first column of its first row."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as connection:
            return connection.execute(text(statement)).scalar()
    finally:
        engine.dispose()


async def outbox_sent(database_url: str, timeout: float = 60) -> None:
    """Wait until the service's outbox is empty: everything it wrote is on the broker."""
    await until(lambda: sql(database_url, "SELECT count(*) FROM outbox") == 0, timeout)


async def settled(
    bootstrap: str,
    *,
    apps: Iterable[FastAPI] = (),
    groups: Iterable[tuple[str, str]] = (),
    databases: Iterable[str] = (),
    timeout: float = 120,
) -> None:
    """Wait until the services have nothing left to do: every consumer group has read every message of its topic (lag
    0) and every outbox is empty, at one moment. A batch in hand shows as lag, its results as outbox rows, and rows
    relayed as the next group's lag, so the pipeline is quiet only when all are zero together.

    `apps`: services running in this process (their groups and outboxes are read from them); `groups` and
    `databases`: (group, topic) pairs and the database URLs of services running as processes.
    """
    apps = list(apps)
    watched = list(groups) + [
        (subscriber.group_id, topic) for app in apps if app.state.runtime.broker is not None
        for subscriber in app.state.runtime.broker.subscribers for topic in subscriber.topic_names
    ]  # fmt: skip
    urls = list(databases)

    async def waiting() -> int:
        rows = [(await app.state.runtime.relay.backlog())[0] for app in apps]
        rows += [await asyncio.to_thread(sql, url, "SELECT count(*) FROM outbox") for url in urls]
        lags = await asyncio.to_thread(consumer_lags, bootstrap, watched) if watched else {}
        return sum(rows) + sum(sum(by_partition.values()) for by_partition in lags.values())

    async def quiet() -> bool:
        return await waiting() == 0 and await waiting() == 0  # twice: nothing was in flight between the reads

    await until(quiet, timeout)


def counter(metrics: str, name: str, **labels: str) -> float:
    """A counter's value in a `/metrics` page (0 when it has not counted yet)."""
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0
