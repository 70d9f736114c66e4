"""`rollcall parked …`: the outbox messages the broker refused for good, listed, and sent again once the cause is fixed.

Each service's database comes from its own environment (`<SERVICE>_DATABASE_URL`), read by its `Settings` as the
service reads it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from rich.console import Console

from rollcall_shared.db import Database
from rollcall_shared.parked import parked_messages, resend

SERVICES = ("ingest", "eligibility", "notifications", "plans")
console = Console()


def register(commands: argparse._SubParsersAction) -> None:
    """The `parked` command and its subcommands, on the `rollcall` parser."""
    parked = commands.add_parser("parked", help="outbox messages the broker refused for good: list, or send again")
    actions = parked.add_subparsers(dest="parked_command", required=True)
    listing = actions.add_parser("list", help="each service's parked messages: topic, size, why, since when")
    listing.add_argument("services", nargs="*", metavar="SERVICE", help=f"of {', '.join(SERVICES)} (all by default)")
    listing.set_defaults(run=show)
    again = actions.add_parser("resend", help="put parked messages back in their service's outbox, to be sent again")
    again.add_argument("service", choices=SERVICES)
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, nargs="+", dest="ids", metavar="ID", help="these parked messages")
    which.add_argument("--all", action="store_true", help="every parked message of the service")
    again.set_defaults(run=send_again)


def _service(name: str) -> tuple[Database, type, type]:
    """The service's database, as its settings name it, and its outbox and parked models."""
    models = importlib.import_module(f"{name}.models")
    settings = importlib.import_module(f"{name}.settings").Settings()
    return Database(settings.database_url), models.OutboxMessage, models.ParkedMessage


def show(args: argparse.Namespace) -> int:
    async def listed() -> list[tuple[str, list]]:
        found = []
        for name in args.services or SERVICES:
            database, _, parked = _service(name)
            try:
                found.append((name, await parked_messages(database, parked)))
            finally:
                await database.dispose()
        return found

    count = 0
    for name, messages in asyncio.run(listed()):
        for message in messages:
            # one line per message and its reason below, unwrapped: the same whatever the terminal's width
            console.print(f"{name} #{message.id}  {message.topic}  {message.size:,} bytes  "
                          f"parked {message.parked_at:%Y-%m-%d %H:%M} UTC", soft_wrap=True, highlight=False)  # fmt: skip
            console.print(f"    {message.reason}", soft_wrap=True, highlight=False, markup=False)
            count += 1
    console.print(f"{count} parked message(s)." if count else "No parked messages.")
    if count:
        console.print("Fix the cause (e.g. raise KAFKA_MAX_MESSAGE_BYTES and the topic's max.message.bytes), then "
                      "`rollcall parked resend SERVICE --id ID …` or `--all`.")  # fmt: skip
    return 0


def send_again(args: argparse.Namespace) -> int:
    async def moved() -> list[int]:
        database, outbox, parked = _service(args.service)
        try:
            return await resend(database, parked=parked, outbox=outbox, ids=None if args.all else args.ids)
        finally:
            await database.dispose()

    ids = asyncio.run(moved())
    missing = sorted(set(args.ids or ()) - set(ids))
    console.print(f"{len(ids)} parked message(s) of {args.service} back in its outbox; its relay sends them in the "
                  "order they were parked (a message still refused is parked again).")  # fmt: skip
    if missing:
        console.print(f"[red]not parked[/] in {args.service}: {', '.join(map(str, missing))}")
        return 1
    return 0
