"""The migration role owns the tables; the runtime role a service connects as reads and writes them, but may only
add to and read the audit log: UPDATE, DELETE, TRUNCATE, ALTER and DROP of it or its triggers are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from plans.app import create_app
from plans.base import OutboxMessage
from plans.settings import Settings
from rollcall_shared import topics
from rollcall_shared.db import Database
from rollcall_shared.migrations import upgrade
from rollcall_shared.outbox import outbox_backlog
from tests.security.conftest import token
from tests.support.stack import TopicReader, serve, until

pytestmark = pytest.mark.integration

PASSWORD = "rollcall-roles-test"
REFUSED = {
    "UPDATE audit_entry SET client_id = 'someone-else'": "permission denied",
    "DELETE FROM audit_entry": "permission denied",
    "TRUNCATE audit_entry": "permission denied",
    "ALTER TABLE audit_entry DISABLE TRIGGER ALL": "must be owner",
    "DROP TRIGGER audit_entry_no_update_or_delete ON audit_entry": "must be owner",
    "ALTER TABLE audit_entry DROP COLUMN client_id": "must be owner",
    "DROP TABLE audit_entry": "must be owner",
    "UPDATE alembic_version SET version_num = 'none'": "permission denied",
}


@dataclass
class Roles:
    owner: str
    runtime: str
    admin_url: str

    def url(self, role: str, database: str) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql", username=role, password=PASSWORD,
                                           database=database)  # fmt: skip
        return url.render_as_string(hide_password=False)

    def engine(self, role: str, database: str) -> Engine:
        return create_engine(make_url(self.url(role, database)).set(drivername="postgresql+psycopg"))


def _admin(admin_url: str) -> Engine:
    return create_engine(make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


@pytest.fixture
def roles(postgres_admin_url) -> Iterator[tuple[Roles, dict[str, str]]]:
    """A migration role and a runtime role, and a database per service with an audit log, as
    deploy/postgres/create-databases.sh makes them: owned by the migration role, closed to everyone else."""
    run = uuid.uuid4().hex[:6]
    made = Roles(f"rc_owner_{run}", f"rc_app_{run}", postgres_admin_url)
    names = {service: f"rollcall_roles_{run}_{service}" for service in ("plans", "notifications")}
    admin = _admin(postgres_admin_url)
    with admin.connect() as connection:
        for role in (made.owner, made.runtime):
            connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"))
        for name in names.values():
            connection.execute(text(f"CREATE DATABASE {name} OWNER {made.owner}"))
            connection.execute(text(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC"))
    try:
        yield made, names
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            for role in (made.runtime, made.owner):
                connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


async def test_the_service_works_as_the_runtime_role_which_cannot_rewrite_the_audit_log(roles, kafka_bootstrap):
    made, names = roles
    for service, name in names.items():
        upgrade(service, made.url(made.owner, name), runtime_role=made.runtime)
    upgrade("plans", made.url(made.owner, names["plans"]), runtime_role=made.runtime)  # again: nothing to do
    runtime_url = made.url(made.runtime, names["plans"])
    district = f"test-{uuid.uuid4().hex[:10]}"
    base, staff = f"/v1/districts/{district}", token(district, "casework", client="rc_counselor")
    operator = token(district, "admin", client="rc_operator")
    settings = Settings(database_url=runtime_url, kafka_bootstrap_servers=kafka_bootstrap,
                        consumer_group=f"roles-{district}", outbox_poll_seconds=0.05)  # fmt: skip

    async with serve(create_app(settings)) as plans:
        named = await plans.put(f"{base}/staff/s-ana", json={"name": "Ana", "role": "counselor"}, headers=operator,
                                auth=None)  # fmt: skip
        opened = await plans.post(f"{base}/cases", headers=staff, auth=None, json={
            "staffId": "s-ana", "studentId": "604822", "schoolId": "255901001", "schoolYear": 2022})  # fmt: skip
        audit = await plans.get(f"{base}/audit", headers=operator, auth=None)
        async with TopicReader(kafka_bootstrap, topics.CASES, district) as cases:
            published = await cases.wait_for(lambda seen: any(m["type"] == "case.opened" for m in seen))
        database = Database(runtime_url)
        relayed = await until(lambda: _outbox_empty(database), timeout=30)
        await database.dispose()

    assert (named.status_code, opened.status_code, audit.status_code) == (200, 201, 200), opened.text
    assert [(entry["clientId"], entry["action"]) for entry in audit.json()["items"]] == [("rc_counselor", "change")]
    assert published and relayed, "the relay published the case and deleted it from the outbox"
    for service, name in names.items():
        runtime = made.engine(made.runtime, name)
        try:
            for statement, refusal in REFUSED.items():
                with pytest.raises(DBAPIError, match=refusal), runtime.begin() as connection:
                    connection.execute(text(statement))
            with runtime.begin() as connection:
                kept = connection.scalar(text("SELECT count(*) FROM audit_entry"))
        finally:
            runtime.dispose()
        assert kept == (1 if service == "plans" else 0), service


def test_tables_made_by_a_later_migration_are_open_to_the_runtime_role(roles):
    made, names = roles
    upgrade("notifications", made.url(made.owner, names["notifications"]), runtime_role=made.runtime)
    owner = made.engine(made.owner, names["notifications"])
    runtime = made.engine(made.runtime, names["notifications"])
    try:
        with owner.begin() as connection:
            connection.execute(text("CREATE TABLE later (id bigserial PRIMARY KEY, note text)"))
        with runtime.begin() as connection:
            connection.execute(text("INSERT INTO later (note) VALUES ('kept')"))
            connection.execute(text("UPDATE later SET note = 'changed'"))
            notes = connection.scalars(text("SELECT note FROM later")).all()
        with pytest.raises(DBAPIError, match="must be owner"), runtime.begin() as connection:
            connection.execute(text("DROP TABLE later"))
    finally:
        owner.dispose()
        runtime.dispose()

    assert notes == ["changed"]


def test_the_runtime_role_must_exist_and_differ_from_the_migration_role(roles):
    made, names = roles
    url = made.url(made.owner, names["plans"])

    with pytest.raises(ValueError, match="no role"):
        upgrade("plans", url, runtime_role=f"{made.runtime}_missing")
    with pytest.raises(ValueError, match="must not be the migration role"):
        upgrade("plans", url, runtime_role=made.owner)


async def _outbox_empty(database: Database) -> bool:
    waiting, _ = await outbox_backlog(database, OutboxMessage)
    return waiting == 0
