"""SQLAlchemy plumbing: naming convention, engines, sessions, dialect-aware upserts."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, MetaData, String, bindparam, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, mapped_column

QUERY_CANCELED = "57014"
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """Each service's `Base` gets its own metadata, so each owns its tables."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    statement_timeout: float = 0,
    idle_in_transaction_timeout: float = 0,
) -> AsyncEngine:
    """An engine of at most `pool_size + max_overflow` connections; on PostgreSQL a statement running longer than
    `statement_timeout` seconds, or a transaction left idle longer than `idle_in_transaction_timeout`, is ended by the
    server (0: the server's own setting). SQLite ignores all four."""
    # Bound parameters hold student and family data: keep them out of error messages and logs.
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    timeouts = {"statement_timeout": statement_timeout,
                "idle_in_transaction_session_timeout": idle_in_transaction_timeout}  # fmt: skip
    server_settings = {name: f"{round(seconds * 1000)}ms" for name, seconds in timeouts.items() if seconds > 0}
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, hide_parameters=True,
        connect_args={"server_settings": server_settings},
    )  # fmt: skip


def timed_out(error: BaseException) -> bool:
    """PostgreSQL ended the statement: it ran past the statement timeout (or an operator cancelled it)."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) == QUERY_CANCELED


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """One engine and session factory per process, opened and closed by the app's lifespan."""

    def __init__(self, url: str, **limits: Any) -> None:
        """`limits`: `create_engine`'s pool size, overflow and timeouts."""
        self.engine = create_engine(url, **limits)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both PostgreSQL and SQLite."""
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def try_lock(session: AsyncSession, *name: object) -> bool:
    """Hold a PostgreSQL advisory lock named by `name` to the end of the transaction; False if another holds it.
    SQLite has one writer at a time: always True."""
    if not is_postgres(session):
        return True
    key = int.from_bytes(hashlib.blake2b(repr(name).encode(), digest_size=8).digest(), "big", signed=True)
    return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def one_of(session: AsyncSession, column: Any, values: list[Any]) -> Any:
    """`column IN values`; on PostgreSQL `IN (SELECT unnest(:array))`, one parameter however many values."""
    if is_postgres(session):
        return column.in_(select(func.unnest(bindparam(None, values, type_=postgresql.ARRAY(column.type)))))
    return column.in_(values)


def unnest_rows(table: Any, rows: list[dict[str, Any]]) -> Any:
    """PostgreSQL `SELECT unnest(:a) AS a, unnest(:b) AS b, ...`: rows as one array per column.

    One dimension: a JSON list is one row's value, not a nested array to flatten.
    """
    return select(
        *(
            func.unnest(
                bindparam(f"rows_{name}", [row[name] for row in rows],
                          type_=postgresql.ARRAY(table.c[name].type, dimensions=1))
            ).label(name)
            for name in rows[0]
        )
    )


async def upsert(
    session: AsyncSession,
    table: Any,
    rows: list[dict[str, Any]],
    *,
    keys: list[str],
    update: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Insert rows, or update the non-key columns where the key exists, in one statement.

    `update`, given the statement's `excluded` columns, returns other assignments to make instead.
    On PostgreSQL the rows travel as one array per column (unnest); elsewhere as an executemany.
    """
    if not rows:
        return
    postgres = is_postgres(session)
    statement = insert_for(session, table)
    if postgres:
        statement = statement.from_select(list(rows[0]), unnest_rows(table, rows))
    assignments = update(statement.excluded) if update else {
        name: statement.excluded[name] for name in rows[0] if name not in keys
    }
    if assignments:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=assignments)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    await session.execute(statement) if postgres else await session.execute(statement, rows)


class MessageColumns:
    """What a message to Kafka is, waiting in the outbox or parked beside it."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
