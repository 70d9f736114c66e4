"""`rollcall`: the operator's command line. Consumer lag, outbox backlogs and parked messages, replaying a topic,
re-driving dead letters, a district's playbook, rebuilding a school year's rule states after the playbook changed,
and API clients.

Broker from KAFKA_BOOTSTRAP_SERVERS (127.0.0.1:9092), databases from <SERVICE>_DATABASE_URL, services from
<SERVICE>_URL (http://127.0.0.1:800x), as the services themselves read them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import OffsetSpec
from kafka.structs import OffsetAndMetadata
from rich.console import Console
from rich.table import Table

from rollcall_shared import topics
from rollcall_shared.broker import admin_client, consumer_lag, consumer_lags, partitions_of
from rollcall_shared.db import Database
from rollcall_shared.outbox import outbox_backlog
from rollcall_dev import clients
from rollcall_dev import keys
from rollcall_dev import parked
from rollcall_dev.tokens import operator_tokens

SERVICES = {"ingest": 8001, "eligibility": 8002, "notifications": 8003, "plans": 8004}
DEAD_LETTER_HEADERS = ("x-dead-letter-reason", "x-dead-letter-source", "x-dead-letter-consumer")
console = Console()


def bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def show_lag(args: argparse.Namespace) -> int:
    """Every consumer group's lag on each topic it has committed offsets for."""
    admin = admin_client(bootstrap())
    try:
        groups = sorted(group for group, *_ in admin.list_groups()) if not args.group else [args.group]
        subscriptions = sorted({(group, tp.topic) for group, offsets in admin.list_group_offsets(groups).items()
                                for tp in offsets})  # fmt: skip
    finally:
        admin.close()
    table = Table(title=f"Consumer lag on {bootstrap()}")
    for column in ("group", "topic", "partitions", "lag"):
        table.add_column(column, justify="right" if column in ("partitions", "lag") else "left")
    for (group, topic), lags in consumer_lags(bootstrap(), subscriptions).items():
        table.add_row(group, topic, str(len(lags)), f"{sum(lags.values()):,}")
    console.print(table if subscriptions else "No consumer group has committed offsets yet.")
    return 0


def show_outbox(args: argparse.Namespace) -> int:
    """Each service's outbox: messages waiting for the broker, and the oldest one's age."""
    async def backlogs() -> list[tuple[str, int, datetime | None]]:
        found = []
        for name in args.services or SERVICES:
            url = os.environ.get(f"{name.upper()}_DATABASE_URL", f"sqlite:///var/{name}.db")
            database = Database(url)
            try:
                model = __import__(f"{name}.models", fromlist=["OutboxMessage"]).OutboxMessage
                found.append((name, *await outbox_backlog(database, model)))
            finally:
                await database.dispose()
        return found

    table = Table(title="Outbox backlog")
    for column in ("service", "waiting", "oldest"):
        table.add_column(column)
    now = datetime.now(UTC)
    for name, count, oldest in asyncio.run(backlogs()):
        table.add_row(name, f"{count:,}", f"{(now - oldest).total_seconds():.0f} s ago" if oldest else "-")
    console.print(table)
    return 0


def replay(args: argparse.Namespace) -> int:
    """Move a stopped consumer group back (or on) to an offset or a date, so it reads the topic again from there."""
    admin = admin_client(bootstrap())
    try:
        partitions = partitions_of(admin, args.topic)
        if args.offset is not None:
            targets = {tp: OffsetAndMetadata(args.offset, "", -1) for tp in partitions}
            errors = admin.alter_group_offsets(args.group, targets)
        else:
            moment = datetime.combine(date.fromisoformat(args.date), datetime.min.time(), UTC) if args.date else None
            spec = int(moment.timestamp() * 1000) if moment else OffsetSpec.EARLIEST
            errors = admin.reset_group_offsets(args.group, dict.fromkeys(partitions, spec))
    finally:
        admin.close()
    failed = {tp.partition: error for tp, error in errors.items() if getattr(error, "errno", 0)}
    if failed:
        console.print(f"[red]not moved[/] on partitions {sorted(failed)}: stop every consumer of group {args.group} "
                      "first (a group with live members cannot be moved), then run this again")  # fmt: skip
        return 1
    lags = consumer_lag(bootstrap(), args.group, args.topic)
    console.print(f"group {args.group} on {args.topic}: {sum(lags.values()):,} message(s) to read again; "
                  "start its consumers. Consumers drop what they applied before (inbox), so a replay changes nothing "
                  "it should not.")  # fmt: skip
    return 0


def redrive(args: argparse.Namespace) -> int:
    """Send dead letters back to the topic they came from, once each (the group `rollcall-redrive` keeps the place).

    Fix what made them fail first: every consumer that reads the topic again drops what it applied
    before, so only the messages that failed have an effect.
    """
    consumer = KafkaConsumer(
        topics.DEAD_LETTER, bootstrap_servers=bootstrap(), group_id="rollcall-redrive", enable_auto_commit=False,
        auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=1000, max_poll_interval_ms=30000,
        consumer_timeout_ms=int(args.wait * 1000),
    )  # fmt: skip
    producer = KafkaProducer(bootstrap_servers=bootstrap(), acks="all", enable_idempotence=False)
    sent = skipped = 0
    try:
        for record in consumer:
            headers = dict(record.headers or ())
            source = headers.get("x-dead-letter-source", b"").decode().split("/")[0]
            if source not in topics.ALL or source == topics.DEAD_LETTER:
                skipped += 1
            else:
                kept = [(k, v) for k, v in headers.items() if k not in DEAD_LETTER_HEADERS]
                producer.send(source, record.value, key=record.key, headers=kept).get(30)
                sent += 1
            consumer.commit({TopicPartition(record.topic, record.partition): OffsetAndMetadata(record.offset + 1, "", -1)})
    finally:
        producer.close()
        consumer.close()
    console.print(f"{sent} dead letter(s) sent back to their topics; {skipped} without a known source left alone")
    return 0


def _eligibility_url() -> str:
    return os.environ.get("ELIGIBILITY_URL", f"http://127.0.0.1:{SERVICES['eligibility']}").rstrip("/")


def _eligibility(district: str) -> str:
    return f"{_eligibility_url()}/v1/districts/{district}"


def _refused(answer: httpx.Response) -> bool:
    if answer.status_code >= 400:
        console.print(f"[red]{answer.status_code}[/] {answer.text}")
    return answer.status_code >= 400


def playbook(args: argparse.Namespace) -> int:
    """Show a district's playbook, or put one (a JSON file): that also creates the district."""
    path = f"{_eligibility(args.district)}/playbook"
    auth = operator_tokens()
    if args.put:
        answer = httpx.put(path, json=json.loads(Path(args.put).read_text()), timeout=30, auth=auth)
    else:
        answer = httpx.get(path, timeout=30, auth=auth)
    if _refused(answer):
        return 1
    console.print_json(answer.text)
    return 0


def rebuild(args: argparse.Namespace) -> int:
    """Evaluate a school year again under the district's playbook as it is now: list what would change (a dry run,
    a page of students at a time), or apply it as a job in the background and follow the job to its end."""
    if args.job is not None:
        return _follow(args, f"{_eligibility(args.district)}/rebuilds/{args.job}")
    if args.school_year is None:
        console.print("[red]--school-year[/] is needed to start a rebuild (or --job ID to follow one)")
        return 2
    if args.apply:
        answer = httpx.post(f"{_eligibility(args.district)}/rebuilds", json={"schoolYear": args.school_year,
                            "apply": True}, timeout=30, auth=operator_tokens())  # fmt: skip
        if _refused(answer):  # 409: a rebuild of the district is running; the answer names it
            return 1
        url = f"{_eligibility_url()}{answer.headers['location']}"
        console.print(f"rebuild {answer.json()['id']} queued: {url}")
        return 0 if args.detach else _follow(args, url)
    return _dry_run(args)


def _dry_run(args: argparse.Namespace) -> int:
    table = Table()
    for column in ("student", "rule", "tier", "change", "absent days", "truant days", "absence rate"):
        table.add_column(column)
    students = crossed = cleared = 0
    cursor = None
    while True:
        answer = httpx.post(f"{_eligibility(args.district)}/rebuilds", json={"schoolYear": args.school_year}
                            | ({"cursor": cursor} if cursor else {}), timeout=120, auth=operator_tokens())  # fmt: skip
        if _refused(answer):
            return 1
        page = answer.json()
        students, crossed, cleared = students + page["students"], crossed + page["crossed"], cleared + page["cleared"]
        for change in page["changes"]:
            m = change["metrics"]
            rate = "-" if m["absenceRate"] is None else f"{m['absenceRate']:.1%}"
            table.add_row(change["studentId"], change["ruleId"], str(change["tier"]), change["type"].split(".")[1],
                          str(m["absentDays"]), str(m["truantDays"]), rate)  # fmt: skip
        if not (cursor := page["next"]):
            break
    table.title = f"{args.district}, school year {args.school_year}: {students:,} students evaluated"
    console.print(table if table.row_count else "No rule state would change.")
    console.print(f"{crossed:,} crossing(s) and {cleared:,} clearing(s) would be emitted. Nothing changed: run again "
                  "with --apply to emit them.")  # fmt: skip
    return 0


def _follow(args: argparse.Namespace, url: str) -> int:
    """Show a rebuild job's progress until it ends."""
    shown = None
    while True:
        answer = httpx.get(url, timeout=30, auth=operator_tokens())
        if _refused(answer):
            return 1
        job = answer.json()
        progress = (job["status"], job["students"])
        if progress != shown:
            total = "?" if job["total"] is None else f"{job['total']:,}"
            console.print(f"rebuild {job['id']} {job['status']}: {job['students']:,} of {total} students, "
                          f"{job['crossed']:,} crossing(s), {job['cleared']:,} clearing(s)")  # fmt: skip
            shown = progress
        if job["status"] == "failed":
            console.print(f"[red]rebuild {job['id']} failed[/] ({job['error']}; the service's log says where). "
                          "What it emitted stands; start it again to finish the year.")  # fmt: skip
            return 1
        if job["status"] == "done":
            console.print(f"{job['crossed']:,} crossing(s) and {job['cleared']:,} clearing(s) emitted; consumers "
                          "apply later records on top.")  # fmt: skip
            return 0
        time.sleep(args.poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rollcall", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    lag = commands.add_parser("lag", help="consumer lag of every group (or one)")
    lag.add_argument("--group")
    lag.set_defaults(run=show_lag)
    outbox = commands.add_parser("outbox", help="each service's outbox backlog")
    outbox.add_argument("services", nargs="*", metavar="SERVICE", help=f"of {', '.join(SERVICES)} (all by default)")
    outbox.set_defaults(run=show_outbox)
    again = commands.add_parser("replay", help="move a stopped consumer group to an offset or a date")
    again.add_argument("--group", required=True)
    again.add_argument("--topic", required=True, choices=topics.ALL)
    where = again.add_mutually_exclusive_group()
    where.add_argument("--offset", type=int, help="this offset on every partition")
    where.add_argument("--date", help="YYYY-MM-DD: the first message of that day (UTC); the earliest kept by default")
    again.set_defaults(run=replay)
    dead = commands.add_parser("redrive", help="send dead letters back to the topics they came from")
    dead.add_argument("--wait", type=float, default=5.0, help="seconds without a new dead letter before stopping")
    dead.set_defaults(run=redrive)
    book = commands.add_parser("playbook", help="show or put a district's playbook (putting one creates the district)")
    book.add_argument("district")
    book.add_argument("--put", metavar="FILE", help="a playbook as JSON (see GET first)")
    book.set_defaults(run=playbook)
    year = commands.add_parser("rebuild", help="a school year's rule states under the playbook as it is now")
    year.add_argument("district")
    year.add_argument("--school-year", type=int, help="named by the year it ends in, e.g. 2026")
    year.add_argument("--apply", action="store_true", help="emit the changes, as a job (without it, only list them)")
    year.add_argument("--detach", action="store_true", help="with --apply: start the job and return")
    year.add_argument("--job", type=int, metavar="ID", help="follow a rebuild job already started")
    year.add_argument("--poll", type=float, default=2.0, help="seconds between looks at a job's progress")
    year.set_defaults(run=rebuild)
    clients.register(commands)
    keys.register(commands)
    parked.register(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
