"""What a consumer group has done, read from the broker and its service's database: lag, outbox, messages sent."""

from __future__ import annotations

import asyncio

from kafka.admin import OffsetSpec
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from rollcall_shared.broker import admin_client, consumer_lag, partitions_of
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


def counter(metrics: str, name: str, **labels: str) -> float:
    """A counter's value in a `/metrics` page (0 when it has not counted yet)."""
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0
