"""`rollcall keys …`: a new contact key or token signing key, and every stored personal field encrypted again under
the newest key.

Personal fields: ingest's roster and group documents, eligibility's student groups, notifications' contact
details and outreach, plans' notes, meetings, acknowledgements and timelines. Each service's database, keys and
index key come from its own environment (`<SERVICE>_DATABASE_URL`,
`<SERVICE>_CONTACT_KEYS`, `<SERVICE>_CONTACT_INDEX_KEY`), read by its `Settings` as the service reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from cryptography.fernet import Fernet
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select, table

from rollcall_shared.db import Database
from rollcall_shared.encrypted_rows import EncryptedTable, Rotation, encrypted_tables, rewrite_batch
from rollcall_shared.encryption import KeyRing
from rollcall_shared.tokens import SigningKeys

SERVICES = ("ingest", "eligibility", "notifications", "plans")
console = Console()


def register(commands: argparse._SubParsersAction) -> None:
    """The `keys` command and its subcommands, on the `rollcall` parser."""
    keys = commands.add_parser("keys", help="keys of personal fields at rest: a new one, or rotate onto the newest")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    again = actions.add_parser("rotate", help="encrypt every stored personal field again under the newest key")
    again.add_argument("services", nargs="*", metavar="SERVICE", help="the services to rotate (all by default)")
    again.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    again.set_defaults(run=rotate)
    new = actions.add_parser("new", help="print a new key, for <SERVICE>_CONTACT_KEYS")
    new.set_defaults(run=new_key)
    signing = actions.add_parser("new-signing-key", help="print a new Ed25519 kid:key pair, for <SERVICE>_SIGNING_KEYS")
    signing.add_argument("--kid", help="the key's id (today's date by default)")
    signing.set_defaults(run=new_signing_key)


def new_key(_: argparse.Namespace) -> int:
    print(Fernet.generate_key().decode())
    return 0


def new_signing_key(args: argparse.Namespace) -> int:
    print(SigningKeys.new_spec(args.kid))
    return 0


def rotate(args: argparse.Namespace) -> int:
    return asyncio.run(rotate_services(args.services, batch_size=args.batch_size))


def encrypted_services() -> dict[str, list[EncryptedTable]]:
    """Each service that keeps encrypted columns, with its tables that do."""
    found = {name: encrypted_tables(importlib.import_module(f"{name}.models").Base.metadata) for name in SERVICES}
    return {name: tables for name, tables in found.items() if tables}


async def rotate_services(services: list[str], *, batch_size: int) -> int:
    """Every token not made by its service's newest key made again with it; blind indexes brought up to date."""
    known = encrypted_services()
    if unknown := [name for name in services if name not in known]:
        console.print(f"[red]no encrypted columns in[/] {', '.join(unknown)}; choose from {', '.join(known)}")
        return 2
    summary = Table(title="Personal fields under the newest key")
    for column in ("service", "table", "rows", "encrypted again", "unreadable"):
        summary.add_column(column, justify="left" if column in ("service", "table") else "right")
    unreadable = 0
    with Progress(console=console) as progress:
        for name in services or list(known):
            settings = importlib.import_module(f"{name}.settings").Settings()
            ring, database = settings.contact_key_ring(), Database(settings.database_url)
            try:
                for encrypted in known[name]:
                    rows, rewritten, bad = await _rotate(database, encrypted, ring, batch_size, progress, name)
                    summary.add_row(name, encrypted.name, f"{rows:,}", f"{rewritten:,}", f"{bad:,}")
                    unreadable += bad
            finally:
                await database.dispose()
    console.print(summary)
    if unreadable:
        console.print(f"[red]{unreadable:,} row(s) hold a token no key of the ring made[/]: they were left as they "
                      "are; keep the key that made them in <SERVICE>_CONTACT_KEYS until they are found")  # fmt: skip
        return 1
    console.print("Every row is under the newest key: the older keys can leave <SERVICE>_CONTACT_KEYS now.")
    return 0


async def _rotate(
    database: Database, encrypted: EncryptedTable, ring: KeyRing, batch_size: int, progress: Progress, service: str
) -> tuple[int, int, int]:
    """One table, a transaction per batch (a running service keeps writing): rows read, encrypted again, unreadable."""
    rotation, after, read, rewritten = Rotation(ring, encrypted), None, 0, 0
    async with database.engine.connect() as connection:
        async with connection.begin():
            total = await connection.scalar(select(func.count()).select_from(table(encrypted.name)))
        task = progress.add_task(f"{service} {encrypted.name}", total=total)
        while True:
            async with connection.begin():
                after, count, changed = await connection.run_sync(
                    lambda sync: rewrite_batch(sync, encrypted, rotation, after=after, limit=batch_size)
                )
            read, rewritten = read + count, rewritten + changed
            progress.advance(task, count)
            if count < batch_size:
                progress.update(task, total=max(read, 1), completed=max(read, 1))  # rows come and go meanwhile
                return read, rewritten, rotation.unreadable
