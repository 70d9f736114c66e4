"""`make bench`: a generated district through the HTTP API into Postgres and the bundled broker.

Figures: ingest records/s, eligibility events/s against the raw aiokafka consume rate of the same
topic, and POST-to-threshold latency under a steady load; before them, outreach letters, emails
and SMS rendered per second, which needs no broker or database (`--only outreach`). They are
written to docs/benchmarks.md as each stage finishes: outreach rewrites its marked section, the
district stages the rest of the file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import httpx
from rich.console import Console
from rich.progress import Progress

from rollcall_shared import topics
from rollcall_dev import edfi
from rollcall_dev.district import DayClosed, District, Records
from rollcall_dev.bench_outreach import measure_outreach, outreach_section, split_section
from rollcall_dev.measure import Arrivals, group_progress, machine, raw_consume_rate
from rollcall_dev.stack import Service, Stack, load_services, migrate
from rollcall_shared.local_broker import port_open
from rollcall_dev.tokens import operator_tokens

console = Console()
ROOT = Path(__file__).resolve().parents[2]
Request = tuple[str, bytes]
"""(path, JSON body)"""


@dataclass
class Figures:
    students: int = 0
    days: int = 0
    records: int = 0
    closes: int = 0
    ingest_seconds: float = 0.0
    """Time spent in POSTs of records (day closes excluded)."""
    close_seconds: float = 0.0
    events: int = 0
    relay_seconds: float = 0.0
    raw_seconds: float = 0.0
    eligibility_seconds: float = 0.0
    crossings: int = 0
    latencies: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    """Seconds from POST to its 2xx, under the latency load."""
    published: list[float] = field(default_factory=list)
    """Seconds from POST to the record's event on ingest.attendance.v1."""
    rate: int = 0
    replay_seconds: float = 0.0
    raw_events: int = 0


def _groups(district: District) -> list[tuple[str, list[Request]]]:
    """The replay as groups of requests of one kind: a group may go concurrently, groups go in order."""
    base = f"/v1/districts/{district.district_id}"
    groups: list[tuple[str, list[Request]]] = []
    for item in district.replay():
        if isinstance(item, DayClosed):
            kind, path, body = "closed-days", f"{base}/schools/{item.school_id}/closed-days", {"date": item.date.isoformat()}
        else:
            assert isinstance(item, Records)
            kind, path, body = item.resource, f"{base}/ed-fi/{item.resource}", item.items
        if not groups or groups[-1][0] != kind:
            groups.append((kind, []))
        groups[-1][1].append((path, json.dumps(body).encode()))
    return groups


async def _post_all(client: httpx.AsyncClient, requests: list[Request], concurrency: int) -> list[dict]:
    gate = asyncio.Semaphore(concurrency)

    async def one(path: str, body: bytes) -> dict:
        async with gate:
            answer = await client.post(path, content=body, headers={"content-type": "application/json"})
            if answer.status_code >= 400:
                raise SystemExit(f"POST {path} answered {answer.status_code}: {answer.text[:300]}")
            return answer.json()

    return await asyncio.gather(*(one(path, body) for path, body in requests))


async def _fresh_database(admin_url: str, name: str) -> str:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


async def _outbox_backlog(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval("SELECT count(*) FROM outbox")
    finally:
        await connection.close()


async def _ingest(figures: Figures, client: httpx.AsyncClient, district: District, concurrency: int) -> None:
    console.print(f"generating {figures.students:,} students x {figures.days} school days ...")
    groups = _groups(district)
    with Progress(console=console) as progress:
        task = progress.add_task("POST to ingest", total=sum(len(requests) for _, requests in groups))
        started = time.perf_counter()
        for kind, requests in groups:
            began = time.perf_counter()
            answers = await _post_all(client, requests, concurrency)
            if kind == "closed-days":
                figures.closes += len(requests)
                figures.close_seconds += time.perf_counter() - began
            else:
                figures.records += sum(a["accepted"] + a["duplicates"] + len(a["rejected"]) for a in answers)
                figures.ingest_seconds += time.perf_counter() - began
            progress.advance(task, len(requests))
        figures.replay_seconds = time.perf_counter() - started


async def _drain_outbox(figures: Figures, ingest_db: str, bootstrap: str) -> None:
    started = time.perf_counter() - figures.replay_seconds
    with console.status("ingest's relay publishing the outbox ..."):
        while await _outbox_backlog(ingest_db):
            await asyncio.sleep(0.5)
    figures.relay_seconds = time.perf_counter() - started
    figures.events = (await asyncio.to_thread(group_progress, bootstrap, None, topics.ATTENDANCE))[1]


async def _eligibility(figures: Figures, bootstrap: str, group: str) -> None:
    first: tuple[float, int] | None = None
    moved = (time.perf_counter(), -1)
    with Progress(console=console) as progress:
        task = progress.add_task("eligibility consuming", total=figures.events)
        while True:
            done, end = await asyncio.to_thread(group_progress, bootstrap, group, topics.ATTENDANCE)
            now = time.perf_counter()
            progress.update(task, completed=done)
            if first is None and done > 0:
                first = (now, done)
            if done >= end:
                break
            if done != moved[1]:
                moved = (now, done)
            elif now - moved[0] > 120:
                raise SystemExit(f"eligibility made no progress for 2 minutes at {done:,} of {end:,}; see var/bench/eligibility.log")
            await asyncio.sleep(0.25)
    assert first is not None
    figures.eligibility_seconds = max(now - first[0], 1e-3)
    figures.events -= first[1]


async def _latency(figures: Figures, client: httpx.AsyncClient, district: District, bootstrap: str,
                   group: str, seconds: int) -> None:
    """`rate` records/s in ticks of 100 ms; each tick's last record is a student's third unexcused absence."""
    ticks, per_tick = seconds * 10, figures.rate // 10
    base = f"/v1/districts/{district.district_id}/ed-fi/studentSchoolAttendanceEvents"
    school = district.schools[0].school_id
    days = district.year
    def absence(student: str, day: date) -> dict:
        return edfi.school_attendance_event(student_id=student, school_id=school, day=day,
                                            category="Unexcused Absence", reason="Unexcused", minutes=None)
    late = [f"lat-{n:05d}" for n in range(ticks)]
    warmup = [absence(s, days[d]) for s in late for d in (0, 1)]
    await _post_all(client, [(base, json.dumps(warmup[i:i + 5000]).encode()) for i in range(0, len(warmup), 5000)], 2)
    while (progress := await asyncio.to_thread(group_progress, bootstrap, group, topics.ATTENDANCE))[0] < progress[1]:
        await asyncio.sleep(0.25)
    later = days[figures.days + 5 :]
    fillers = (edfi.school_attendance_event(student_id=s.student_id, school_id=school, day=day,
                                            category="In Attendance", reason="Present", minutes=None)
               for day in later for s in district.students)
    arrivals = Arrivals(bootstrap, topics.THRESHOLDS, lambda m: m["studentId"] if (
        m["ruleId"] == "truancy-1" and m["type"] == "threshold.crossed" and m["studentId"].startswith("lat-")) else None)
    third = days[2].isoformat()
    published = Arrivals(bootstrap, topics.ATTENDANCE, lambda m: m.get("studentId") if (
        m.get("studentId", "").startswith("lat-") and m.get("date") == third) else None)
    await arrivals.start()
    await published.start()
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    posts = []

    async def post(student: str, body: bytes) -> None:
        await _post_all(client, [(base, body)], 1)
        answered[student] = time.perf_counter()

    started = time.perf_counter()
    with console.status(f"steady load: {figures.rate:,} records/s for {seconds} s ..."):
        for tick, student in enumerate(late):
            await asyncio.sleep(max(0.0, started + tick / 10 - time.perf_counter()))
            body = [next(fillers) for _ in range(per_tick - 1)] + [absence(student, days[2])]
            sent[student] = time.perf_counter()
            posts.append(asyncio.create_task(post(student, json.dumps(body).encode())))
        await asyncio.gather(*posts)
        deadline = time.perf_counter() + 15
        while len(arrivals.arrived) < len(late) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
    await arrivals.stop()
    await published.stop()
    figures.crossings = len(arrivals.arrived)
    figures.latencies = sorted(arrivals.arrived[s] - sent[s] for s in arrivals.arrived)
    figures.answered = sorted(answered[s] - sent[s] for s in answered)
    figures.published = sorted(published.arrived[s] - sent[s] for s in published.arrived)


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def _ms(values: list[float], share: float) -> str:
    return f"{_percentile(values, share) * 1000:.0f} ms"


def _report(figures: Figures, args: argparse.Namespace) -> str:
    ingest_rate = figures.records / figures.ingest_seconds
    eligibility_rate = figures.events / figures.eligibility_seconds
    raw_rate = figures.raw_events / figures.raw_seconds if figures.raw_seconds else float("nan")
    p50, p95 = _percentile(figures.latencies, 0.50), _percentile(figures.latencies, 0.95)
    verdict = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    return f"""# Benchmarks

`make bench` on {date.today():%Y-%m-%d}: {machine()};
PostgreSQL at `{args.postgres.rsplit('@', 1)[-1]}`, the bundled Tansu broker (memory only), every process on
the same machine. A generated district of {figures.students:,} students in {len(args.schools_list)} schools,
{figures.days} school days, replayed through the ingest HTTP API ({args.concurrency} requests in flight,
up to {args.batch:,} records a request), with one day close per school per day.

| figure | value | aim |
| --- | --- | --- |
| ingest: records accepted over HTTP (durable), day closes excluded | {figures.records:,} records in {figures.ingest_seconds:.1f} s = **{ingest_rate:,.0f} records/s** | >= 10,000 records/s: {verdict(ingest_rate >= 10_000)} |
| ingest: day closes, each fanned out to the school's enrolled students | {figures.closes:,} closes in {figures.close_seconds:.1f} s = {figures.closes / max(figures.close_seconds, 1e-3):,.1f} closes/s | |
| events published by ingest's relay | {figures.events:,} events; outbox empty {figures.relay_seconds:.1f} s after the first POST = {figures.events / max(figures.relay_seconds, 1e-3):,.0f} events/s | |
| eligibility ({args.consumers} consumer process{"es" if args.consumers > 1 else ""} in one group): events applied (state, rules, outbox, offsets) | {figures.events:,} events in {figures.eligibility_seconds:.1f} s = **{eligibility_rate:,.0f} events/s** | >= 20,000 events/s: {verdict(eligibility_rate >= 20_000)} |
| ceiling: raw aiokafka consume + JSON decode of the same topic | {raw_rate:,.0f} events/s | |
| POST -> `threshold.crossed` latency at a steady {figures.rate:,} records/s | p50 **{p50 * 1000:.0f} ms**, p95 **{p95 * 1000:.0f} ms** ({figures.crossings} crossings) | p95 < 1 s: {verdict(p95 < 1)} |
| of which POST -> 2xx (durable) | p50 {_ms(figures.answered, 0.5)}, p95 {_ms(figures.answered, 0.95)} | |
| of which POST -> event on `ingest.attendance.v1` | p50 {_ms(figures.published, 0.5)}, p95 {_ms(figures.published, 0.95)} | |

Reproduce: `make bench` (options: `uv run python -m rollcall_dev.bench --help`; `BENCH_POSTGRES_URL`
names the PostgreSQL server, default `postgresql://postgres@127.0.0.1:5432/postgres`).
Eligibility is measured by draining the topic after ingest has filled it, from its first committed
offset to its last, so group joining is not counted; latency is measured with both services running.

Where the time goes (py-spy on the running services): every process here, PostgreSQL, the broker,
the services and the load generator, shares the same two cores. Ingest spends a request in JSON
and Ed-Fi validation and in PostgreSQL's upserts (records and outbox travel as one array per
column). Eligibility spends about a quarter of its time evaluating the playbook after every event,
a sixth writing state set-wise and the rest in Kafka decoding and the inbox; one consumer process
is CPU-bound, a second in the same group adds about 60%, a third adds nothing on two cores.
Scaling out is how eligibility grows: up to one consumer per partition of `ingest.attendance.v1`.
"""


async def _run(args: argparse.Namespace) -> str:
    district = District(district_id="bench", students=args.students, schools=args.schools,
                        days=args.days, batch_size=args.batch)
    args.schools_list = district.schools
    figures = Figures(students=args.students, days=args.days, rate=args.rate)
    run_id = uuid.uuid4().hex[:6]
    ingest_db = await _fresh_database(args.postgres, f"rollcall_bench_ingest_{run_id}")
    eligibility_db = await _fresh_database(args.postgres, f"rollcall_bench_eligibility_{run_id}")
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    stack = Stack(var)
    port = next(p for p in range(19092, 19200) if not port_open("127.0.0.1", p))
    group = f"eligibility-bench-{run_id}"
    os.environ.update({
        "INGEST_DATABASE_URL": ingest_db, "ELIGIBILITY_DATABASE_URL": eligibility_db,
        "INGEST_PORT": "18001", "ELIGIBILITY_PORT": "18002", "ELIGIBILITY_CONSUMER_GROUP": group,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "INGEST_RATE_LIMIT": "1000000/minute",  # the benchmark measures ingest, not its limit
    })
    try:
        bootstrap = stack.start_broker(port)
        stack.create_topics(bootstrap, args.partitions)
        ingest, eligibility = load_services(("ingest", "eligibility"))
        for service in (ingest, eligibility):
            migrate(service)
        stack.start_service(ingest, dict(os.environ))
        stack.wait_ready(ingest)
        async with httpx.AsyncClient(base_url=ingest.url, timeout=300, auth=operator_tokens()) as client:
            await _ingest(figures, client, district, args.concurrency)
            await _drain_outbox(figures, ingest_db, bootstrap)
            with console.status("raw aiokafka consume of the same topic ..."):
                figures.raw_events, figures.raw_seconds = await raw_consume_rate(bootstrap, topics.ATTENDANCE)
            instances = [
                (f"eligibility-{n}" if n else "eligibility",
                 Service("eligibility", eligibility.settings.model_copy(update={"port": eligibility.settings.port + n})))
                for n in range(args.consumers)
            ]
            for label, instance in instances:
                stack.start_service(instance, dict(os.environ), label)
            for label, instance in instances:
                stack.wait_ready(instance, label)
            await _eligibility(figures, bootstrap, group)
            await _latency(figures, client, district, bootstrap, group, args.seconds)
    finally:
        stack.stop()
    return _report(figures, args)


def _write(*, eligibility: str | None = None, outreach: str | None = None) -> None:
    """Rewrites the sections of docs/benchmarks.md given; the rest of the file stays as it was."""
    path = ROOT / "docs" / "benchmarks.md"
    head, section = split_section(path.read_text() if path.exists() else "")
    parts = [part.strip() for part in (eligibility or head, outreach or section) if part.strip()]
    path.write_text("\n\n".join(parts) + "\n")
    console.print(eligibility or outreach, markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    os.environ.setdefault("ROLLCALL_ENV", "development")  # a generated district, the embedded keys
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--days", type=int, default=20, help="school days replayed")
    parser.add_argument("--batch", type=int, default=5000, help="records per POST")
    parser.add_argument("--concurrency", type=int, default=4, help="POSTs in flight")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--consumers", type=int, default=2, help="eligibility processes in the consumer group")
    parser.add_argument("--rate", type=int, default=1000, help="records/s of the latency load")
    parser.add_argument("--seconds", type=int, default=30, help="length of the latency load")
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--only", choices=("eligibility", "outreach"),
                        help="run one stage: the district through ingest and eligibility, or outreach rendering")
    parser.add_argument("--households", type=int, default=1000, help="outreach: households rendered per channel")
    parser.add_argument("--print-batch", type=int, default=500, help="outreach: letters in a PDF print batch")
    parser.add_argument("--repeats", type=int, default=5, help="outreach: runs of each figure, the median reported")
    args = parser.parse_args()
    if args.only != "eligibility":
        console.print(f"rendering outreach for {args.households:,} generated households ...")
        figures = measure_outreach(count=args.households, batch=args.print_batch, repeats=args.repeats,
                                   console=console)
        _write(outreach=outreach_section(figures))
    if args.only != "outreach":
        _write(eligibility=asyncio.run(_run(args)))


if __name__ == "__main__":
    main()
