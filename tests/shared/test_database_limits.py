"""Each service's pool size and PostgreSQL timeouts come from its settings: the server ends a statement that runs
too long, and a request stuck behind a lock is answered 503 instead of hanging; SQLite (`make run`) takes the same
settings and ignores them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from plans.app import create_app
from plans.settings import Settings
from rollcall_shared.db import Database
from rollcall_shared.migrations import upgrade
from tests.security.conftest import token
from tests.support.stack import serve

pytestmark = pytest.mark.integration


async def test_the_service_connects_with_its_pool_size_and_timeouts(kafka_bootstrap, databases, district_id):
    url = databases.create(f"limits_{uuid.uuid4().hex[:6]}", migrate="plans")
    settings = Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, consumer_group="limits",
                        database_pool_size=3, database_max_overflow=1, database_statement_timeout_seconds=0.25,
                        database_idle_in_transaction_timeout_seconds=20)  # fmt: skip
    app = create_app(settings)

    async with serve(app) as plans:
        database: Database = app.state.runtime.database
        async with database.sessions() as session:
            timeouts = [await session.scalar(text(f"SHOW {name}"))
                        for name in ("statement_timeout", "idle_in_transaction_session_timeout")]  # fmt: skip
        with pytest.raises(DBAPIError, match="statement timeout"):
            async with database.transaction() as session:
                await session.execute(text("SELECT pg_sleep(5)"))
        pool = database.engine.pool
        locker = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
        try:
            with locker.begin() as connection:  # an operator's long transaction holds the table
                connection.execute(text("LOCK TABLE staff IN ACCESS EXCLUSIVE MODE"))
                stuck = await plans.put(f"/v1/districts/{district_id}/staff/s-ana", auth=None,
                                        json={"name": "Ana", "role": "counselor"},
                                        headers=token(district_id, "admin"))  # fmt: skip
        finally:
            locker.dispose()

    assert timeouts == ["250ms", "20s"]
    assert (pool.size(), pool._max_overflow) == (3, 1)
    assert stuck.status_code == 503 and stuck.headers["content-type"] == "application/problem+json", stuck.text
    assert "did not answer in time" in stuck.json()["detail"] and "Retry-After" in stuck.headers


async def test_sqlite_takes_the_same_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    upgrade("plans", url)
    database = Database(url, pool_size=3, max_overflow=1, statement_timeout=0.25, idle_in_transaction_timeout=20)
    try:
        async with database.transaction() as session:
            assert await session.scalar(text("SELECT count(*) FROM inbox")) == 0
    finally:
        await database.dispose()
