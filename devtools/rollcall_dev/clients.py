"""`rollcall clients …`: a district's API clients in ingest's database (create, list, rotate, revoke)."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ingest.clients import repository, service
from rollcall_shared.auth import CLIENT_SCOPES
from rollcall_shared.db import Database

console = Console() if Console().is_terminal else Console(width=160)  # a pipe or a log gets whole rows
T = TypeVar("T")


def in_ingest_database(work: Callable[[AsyncSession], Awaitable[T]], url: str | None = None) -> T:
    """Run `work` in one transaction on ingest's database (INGEST_DATABASE_URL, or make run's SQLite file)."""

    async def run() -> T:
        database = Database(url or os.environ.get("INGEST_DATABASE_URL", "sqlite:///var/ingest.db"))
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(run())


def development_client(database_url: str, district_id: str) -> service.Credentials:
    """The demo district's client with every scope, with a fresh secret on every start."""
    key = f"dev-{district_id}"

    async def work(session: AsyncSession) -> service.Credentials:
        if await repository.client(session, key) is None:
            return await service.create_client(session, district_id=district_id, name="make run",
                                               scopes=list(CLIENT_SCOPES), client_id=key)  # fmt: skip
        return await service.rotate_secret(session, client_id=key, now=datetime.now(UTC), overlap=timedelta(0))

    return in_ingest_database(work, database_url)


def _show_secret(credentials: service.Credentials, district_id: str, scopes: list[str]) -> None:
    console.print(f"key     {credentials.client_id}\nsecret  {credentials.client_secret}\n"
                  f"district {district_id}, scopes {' '.join(scopes)}\n"
                  "[yellow]The secret is shown only now: store it in the integration's vault.[/]")  # fmt: skip


def create(args: argparse.Namespace) -> int:
    try:
        made = in_ingest_database(lambda session: service.create_client(
            session, district_id=args.district, name=args.name, scopes=args.scope))  # fmt: skip
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        return 1
    _show_secret(made, args.district, args.scope)
    return 0


def listed(args: argparse.Namespace) -> int:
    found = in_ingest_database(lambda session: repository.clients_of(session, args.district))
    table = Table(title="API clients")
    for column in ("key", "district", "name", "scopes", "created", "revoked"):
        table.add_column(column, no_wrap=column in ("key", "district"))
    for c in found:
        table.add_row(c.client_id, c.district_id, c.name, " ".join(c.scopes), f"{c.created_at:%Y-%m-%d %H:%M}",
                      f"{c.revoked_at:%Y-%m-%d %H:%M}" if c.revoked_at else "")  # fmt: skip
    console.print(table if found else "No API client yet: `rollcall clients create DISTRICT --scope …`.")
    return 0


def rotate(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> tuple[service.Credentials, Any]:
        fresh = await service.rotate_secret(session, client_id=args.key, now=datetime.now(UTC),
                                            overlap=timedelta(hours=args.overlap_hours))  # fmt: skip
        return fresh, await repository.client(session, args.key)

    try:
        fresh, client = in_ingest_database(work)
    except service.UnknownClient:
        console.print(f"[red]no live client {args.key}[/]: see `rollcall clients list`")
        return 1
    _show_secret(fresh, client.district_id, client.scopes)
    console.print(f"The previous secret keeps working for {args.overlap_hours:g} hour(s).")
    return 0


def revoke(args: argparse.Namespace) -> int:
    try:
        in_ingest_database(lambda session: service.revoke(session, client_id=args.key, now=datetime.now(UTC)))
    except service.UnknownClient:
        console.print(f"[red]no live client {args.key}[/]: see `rollcall clients list`")
        return 1
    console.print(f"{args.key} revoked: no new token from now; tokens already issued end within their life "
                  "(INGEST_TOKEN_SECONDS, 15 minutes by default).")  # fmt: skip
    return 0


def register(commands: Any) -> None:
    """The `clients` command and its subcommands."""
    clients = commands.add_parser("clients", help="a district's API clients: create, list, rotate, revoke")
    verbs = clients.add_subparsers(dest="verb", required=True)
    made = verbs.add_parser("create", help="a new client; prints its key and secret once")
    made.add_argument("district")
    made.add_argument("--name", required=True, help="who uses it, e.g. 'PowerSchool nightly'")
    made.add_argument("--scope", action="append", required=True, choices=CLIENT_SCOPES, help="repeat for several")
    made.set_defaults(run=create)
    shown = verbs.add_parser("list", help="every client (of one district)")
    shown.add_argument("district", nargs="?")
    shown.set_defaults(run=listed)
    rotated = verbs.add_parser("rotate", help="a new secret; the old one works for a while")
    rotated.add_argument("key")
    rotated.add_argument("--overlap-hours", type=float, default=24.0)
    rotated.set_defaults(run=rotate)
    revoked = verbs.add_parser("revoke", help="no new token for the client")
    revoked.add_argument("key")
    revoked.set_defaults(run=revoke)
