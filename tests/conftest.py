"""Test infrastructure: the bundled Kafka broker and a fresh migrated Postgres per run.

`KAFKA_BOOTSTRAP_SERVERS` and `TEST_POSTGRES_URL` point the suite at existing servers; without
them it uses testcontainers where a Docker engine answers, and otherwise the bundled Tansu broker
(one per test module) and the PostgreSQL server at 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rollcall_shared.broker import ensure_topics
from rollcall_shared.migrations import upgrade
from tests.support.broker import PrivateBroker, private_bootstrap

os.environ.setdefault("ROLLCALL_ENV", "development")
"""The services (in-process and the processes the tests start) accept the embedded development keys."""
os.environ["TZ"] = "UTC"
time.tzset()
"""The machine's zone never decides a date: services count days by their clock (`rollcall_shared.clock`), and a test
that needs today asks that clock; pinned, a forgotten local date gives the same answer at every hour."""

SERVICES = ("ingest", "eligibility", "notifications", "plans")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def shared_kafka() -> Iterator[str | None]:
    """A broker named by `KAFKA_BOOTSTRAP_SERVERS` or a Kafka container, for the whole run; None without either."""
    if url := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        ensure_topics(url, 4)
        yield url
        return
    if os.environ.get("POSTGRES_URL") is None and _docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            url = kafka.get_bootstrap_server()
            ensure_topics(url, 4)
            yield url
        return
    yield None


@pytest.fixture(scope="module")
def kafka_bootstrap(shared_kafka: str | None) -> Iterator[str]:
    """A Kafka broker with Rollcall's topics.

    The bundled broker starts anew for each test module (in a fifth of a second): a module's new consumer groups
    read from the earliest offset, and on a broker of their own they never read through the modules before them.
    """
    if shared_kafka is not None:
        yield shared_kafka
        return
    yield from private_bootstrap()


@pytest.fixture
def broker() -> Iterator[PrivateBroker]:
    """A broker of the test's own, which the test may stop and start again on its port."""
    broker = PrivateBroker(partitions=2).start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server on which the run may create and drop databases."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield url
        return
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") is None and _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as postgres:
            yield postgres.get_connection_url()
        return
    yield LOCAL_POSTGRES


class FreshDatabases:
    """Creates uniquely named databases on the server and drops them at the end of the run."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.run_id = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def _admin(self):
        return create_engine(self.admin_url.replace("postgresql+asyncpg", "postgresql+psycopg"), isolation_level="AUTOCOMMIT")

    def create(self, name: str, migrate: str | None = None) -> str:
        """A new empty database, migrated with the service's migrations when `migrate` names one."""
        database = f"rollcall_test_{self.run_id}_{name}"
        engine = self._admin()
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        self.created.append(database)
        url = make_url(self.admin_url).set(database=database, drivername="postgresql")
        rendered = url.render_as_string(hide_password=False)
        if migrate:
            upgrade(migrate, rendered)
        return rendered

    def drop_all(self) -> None:
        engine = self._admin()
        with engine.connect() as connection:
            for database in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def databases(postgres_admin_url: str) -> Iterator[FreshDatabases]:
    fresh = FreshDatabases(postgres_admin_url)
    yield fresh
    fresh.drop_all()


@pytest.fixture
def district_id() -> str:
    """A district of its own for each test, so tests sharing the broker never see each other's data."""
    return f"test-{uuid.uuid4().hex[:10]}"
