"""Inbox retention: ids applied longer ago than the retention are deleted in bounded batches, by one replica at a
time; recent ones stay, so a redelivery within the topics' retention is still recognised."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from plans.app import create_app
from plans.base import InboxMessage
from plans.settings import Settings
from rollcall_shared.db import Database
from rollcall_shared.inbox import prune
from rollcall_shared.migrations import upgrade
from tests.support.stack import serve, until

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OLD = [f"old-{n}" for n in range(11)]
RECENT = [f"recent-{n}" for n in range(4)]


async def applied(database: Database) -> None:
    """Eleven ids applied 40 days ago, and four in the last day."""
    rows = [{"event_id": event_id, "processed_at": NOW - timedelta(days=40, minutes=n)} for n, event_id in enumerate(OLD)]
    rows += [{"event_id": event_id, "processed_at": NOW - timedelta(hours=n * 6)} for n, event_id in enumerate(RECENT)]
    async with database.transaction() as session:
        await session.execute(insert(InboxMessage), rows)


async def kept(database: Database) -> set[str]:
    async with database.sessions() as session:
        return set(await session.scalars(select(InboxMessage.event_id)))


@pytest.fixture(params=["postgresql", "sqlite"])
async def database(request, databases, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'plans.db'}"
        upgrade("plans", url)
    else:
        url = databases.create(f"inbox_{uuid.uuid4().hex[:6]}", migrate="plans")
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


async def test_ids_past_the_retention_are_deleted_in_bounded_batches_and_recent_ones_kept(database):
    await applied(database)

    pruned = await prune(database, InboxMessage, before=NOW - timedelta(days=30), batch_size=3)

    assert pruned == len(OLD)
    assert await kept(database) == set(RECENT)
    assert await prune(database, InboxMessage, before=NOW - timedelta(days=30), batch_size=3) == 0


async def test_replicas_pruning_at_once_delete_each_id_once(database):
    await applied(database)

    rounds = await asyncio.gather(*(prune(database, InboxMessage, before=NOW - timedelta(days=30), batch_size=2)
                                    for _ in range(3)))  # fmt: skip

    assert sum(rounds) == len(OLD)
    assert await kept(database) == set(RECENT)


async def test_the_service_prunes_its_inbox_in_the_background(kafka_bootstrap, databases):
    url = databases.create(f"inbox_service_{uuid.uuid4().hex[:6]}", migrate="plans")
    database = Database(url)
    await applied(database)
    settings = Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, consumer_group="inbox-retention",
                        inbox_retention_days=30, inbox_prune_seconds=0.2)  # fmt: skip
    try:
        async with serve(create_app(settings)):
            remaining = await until(lambda: _only_recent(database), timeout=60)
    finally:
        await database.dispose()

    assert remaining == set(RECENT)


async def _only_recent(database: Database) -> set[str] | None:
    ids = await kept(database)
    return ids if not ids & set(OLD) else None
