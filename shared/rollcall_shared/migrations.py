"""Alembic glue: each service keeps its migrations in `<package>/migrations`."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, Text, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from rollcall_shared.audit import AUDIT_TABLE
from rollcall_shared.db import async_url, create_engine
from rollcall_shared.encrypted_rows import EncryptedTable, decrypting, encrypting, rewrite_all
from rollcall_shared.encryption import KeyRing


def alembic_config(package: str, url: str, runtime_role: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    config.attributes["runtime_role"] = runtime_role
    return config


def upgrade(package: str, url: str, revision: str = "head", *, runtime_role: str | None = None) -> None:
    """Migrate a service's database to `revision` (from sync code or from inside an event loop).

    `url` names the migration role, which owns the tables. With `runtime_role` (PostgreSQL), the role the service
    connects as is then granted what it needs, in the same transaction: see `grant_runtime`.
    """
    config = alembic_config(package, url, runtime_role)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(command.upgrade, config, revision).result()


def run_env(metadata: MetaData) -> None:
    """Body of each service's `migrations/env.py`."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by rollcall_shared.migrations.alembic_config"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
            if (role := context.config.attributes.get("runtime_role")) and connection.dialect.name == "postgresql":
                grant_runtime(connection, role)

    async def run() -> None:
        engine = create_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def grant_runtime(connection: Connection, role: str) -> None:
    """Run by the migration role after each migration: `role` may read and write every table of the service but
    only add to and read the audit log, now and for tables made later; owning nothing, it can alter or drop no
    table and no trigger."""
    me = connection.scalar(text("SELECT current_user"))
    if role == me:
        raise ValueError(f"the runtime role must not be the migration role ({role}), which owns the tables")
    if not connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}):
        raise ValueError(f"no role {role}: create the runtime role first (deploy/README.md)")
    quote = connection.dialect.identifier_preparer.quote
    runtime, schema = quote(role), quote(connection.scalar(text("SELECT current_schema()")))
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {runtime}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {runtime}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {runtime}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {runtime}",
    ]
    if connection.scalar(text("SELECT to_regclass(:name)"), {"name": AUDIT_TABLE}) is not None:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {runtime}")
    if connection.scalar(text("SELECT has_database_privilege(current_database(), 'CONNECT WITH GRANT OPTION')")):
        database = quote(connection.scalar(text("SELECT current_database()")))
        statements.insert(0, f"GRANT CONNECT ON DATABASE {database} TO {runtime}")
    for statement in statements:
        connection.execute(text(statement))


def create_index_online(name: str, table: str, columns: list[str]) -> None:
    """A migration's step: an index built while the table keeps taking writes (PostgreSQL's CONCURRENTLY, outside
    the migration's transaction); on SQLite an ordinary index."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, columns)
        return
    with op.get_context().autocommit_block():
        op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True)


def encrypt_columns(name: str, keys: tuple[str, ...], columns: dict[str, TypeEngine], ring: KeyRing) -> None:
    """A migration's step: `columns` (name -> type they had) become text, and the values they hold ciphertext."""
    _retype(name, {column: (was, Text()) for column, was in columns.items()})
    rewrite_all(op.get_bind(), EncryptedTable(name, keys, tuple(columns)), encrypting(ring, list(columns)))


def decrypt_columns(name: str, keys: tuple[str, ...], columns: dict[str, TypeEngine], ring: KeyRing) -> None:
    """The step undone: the values made plain again, and `columns` given back the types they had."""
    rewrite_all(op.get_bind(), EncryptedTable(name, keys, tuple(columns)), decrypting(ring, list(columns)))
    _retype(name, {column: (Text(), was) for column, was in columns.items()})


def _retype(name: str, changes: dict[str, tuple[TypeEngine, TypeEngine]]) -> None:
    with op.batch_alter_table(name) as batch:
        for column, (was, becomes) in changes.items():
            cast = becomes.compile(dialect=postgresql.dialect())
            batch.alter_column(column, existing_type=was, type_=becomes, postgresql_using=f"{column}::{cast}")


def create_parked_outbox() -> None:
    """A migration's step: the table where the relay moves a message the broker refuses for good."""
    op.create_table(
        "outbox_parked",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_parked")),
    )


def drop_parked_outbox() -> None:
    op.drop_table("outbox_parked")
