"""Alembic glue: each service keeps its migrations in `<package>/migrations`."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from rollcall_shared.db import async_url, create_engine
from rollcall_shared.encrypted_rows import EncryptedTable, decrypting, encrypting, rewrite_all
from rollcall_shared.encryption import KeyRing


def alembic_config(package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Migrate a service's database to `revision` (from sync code or from inside an event loop)."""
    config = alembic_config(package, url)
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

    async def run() -> None:
        engine = create_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


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
