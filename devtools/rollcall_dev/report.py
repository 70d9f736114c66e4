"""After a replay: wait until eligibility agrees with the records and outreach settles."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rollcall_dev.district import District, Expected
from rollcall_dev.replay import Totals
from rollcall_dev.roster import Student
from rollcall_dev.school_year import SCHOOL_YEAR
from rollcall_dev.thresholds import ThresholdLog
from rollcall_dev.tokens import operator_tokens

CATCH_UP_SECONDS = 300.0
"""How long eligibility may take to agree with every student's records."""
STALLED_SECONDS = 60.0
"""How long eligibility may go without another student coming to agree before the wait ends."""
PUBLISH_SECONDS = 60.0
"""How long its events may then take to reach the topic."""
Summary = dict[str, Any]
COMPARED = ("enrolledDays", "absentDays", "unexcusedPeriodAbsences")
"""The summary's counts that follow from the records alone, checked against the generator's."""


@dataclass
class Outcome:
    summaries: dict[str, Summary]
    differing: list[tuple[Student, Expected, Summary | None]]
    """Students whose summary still disagreed with their records when the wait ended."""
    log: ThresholdLog
    events_missing: bool
    """For some rule, crossed minus cleared events on the topic differ from the summaries that
    say `crossed` (not looked at when the district was loaded before)."""


def summary_path(district_id: str, student_id: str) -> str:
    return f"/v1/districts/{district_id}/students/{student_id}/summary?schoolYear={SCHOOL_YEAR}"


def already_loaded(district: District, eligibility_url: str) -> bool:
    """True when eligibility knows a student enrolled from the first day: an earlier replay."""
    student = next(s for s in district.students if s.enrollments[0].entry == 0)
    path = summary_path(district.district_id, student.student_id)
    return httpx.get(f"{eligibility_url}{path}", timeout=30, auth=operator_tokens()).status_code == 200


async def wait_for_eligibility(
    district: District,
    eligibility_url: str,
    bootstrap: str,
    check_alive: Callable[[], None],
    *,
    expect_events: bool = True,
) -> Outcome:
    """Wait until every student's summary matches their records, then until the topic matches too.

    `expect_events` is False when the district was already in the databases before this replay:
    most of its events then went to the broker of that earlier run.
    """
    deadline = time.monotonic() + CATCH_UP_SECONDS
    async with (
        httpx.AsyncClient(base_url=eligibility_url, timeout=30, auth=operator_tokens()) as client,
        ThresholdLog(bootstrap, district.district_id) as log,
    ):
        differing = await _until_students_agree(client, district, deadline, check_alive)
        deadline = time.monotonic() + PUBLISH_SECONDS
        expect_events = expect_events and not differing
        while True:
            await log.catch_up()
            answers = await _summaries(client, district, district.students)
            students = zip(district.students, answers, strict=True)
            summaries = {student.student_id: a for student, a in students if a is not None}
            crossed_now = _crossed_now(summaries)
            rules = set(crossed_now) | set(log.rules)
            agree = all(log.crossed(r) - log.cleared(r) == crossed_now[r] for r in rules)
            if agree or not expect_events or time.monotonic() > deadline:
                return Outcome(summaries, differing, log, expect_events and not agree)
            check_alive()
            await asyncio.sleep(1)


async def _until_students_agree(
    client: httpx.AsyncClient, district: District, deadline: float, check_alive: Callable[[], None]
) -> list[tuple[Student, Expected, Summary | None]]:
    """Poll the summaries of the students that still disagree; those left at the deadline."""
    pending = {student.student_id: student for student in district.students}
    last: dict[str, Summary | None] = {}
    progress = Progress(
        TextColumn("[bold]{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("students agree with their records"), TimeElapsedColumn(),
    )  # fmt: skip
    moved = time.monotonic()
    with progress:
        task = progress.add_task("eligibility", total=len(district.students))
        while pending and time.monotonic() < min(deadline, moved + STALLED_SECONDS):
            check_alive()
            students = list(pending.values())
            answers = await _summaries(client, district, students)
            for student, summary in zip(students, answers, strict=True):
                last[student.student_id] = summary
                if _agrees(summary, district.expected(student)):
                    del pending[student.student_id]
                    moved = time.monotonic()
            progress.update(task, completed=len(district.students) - len(pending))
            if pending:
                await asyncio.sleep(1)
    return [(s, district.expected(s), last.get(s.student_id)) for s in pending.values()]


async def _summaries(
    client: httpx.AsyncClient, district: District, students: list[Student]
) -> list[Summary | None]:
    limit = asyncio.Semaphore(16)

    async def one(student: Student) -> Summary | None:
        async with limit:
            try:
                answer = await client.get(summary_path(district.district_id, student.student_id))
            except httpx.HTTPError:
                return None
            return answer.json() if answer.status_code == 200 else None

    return await asyncio.gather(*(one(student) for student in students))


def _agrees(summary: Summary | None, expected: Expected) -> bool:
    if summary is None:  # eligibility knows no student before the first record about them
        return expected == Expected(0, 0, 0)
    return tuple(summary.get(key) for key in COMPARED) == (
        expected.enrolled_days,
        expected.absent_days,
        expected.unexcused_period_absences,
    )


def _crossed_now(summaries: dict[str, Summary]) -> Counter[str]:
    return Counter(
        rule
        for summary in summaries.values()
        for rule, state in summary.get("rules", {}).items()
        if state == "crossed"
    )


def print_outcome(
    console: Console, district: District, totals: Totals, outcome: Outcome, eligibility_url: str
) -> None:
    console.print(
        f"Sent {totals.posted:,} records and {totals.closes:,} day closes: "
        f"{totals.accepted:,} accepted, {totals.duplicates:,} duplicates, "
        f"{totals.rejected_count:,} rejected."
    )
    for resource, record, reasons in totals.rejected:
        console.print(f"[yellow]rejected {resource}: {'; '.join(reasons)}[/]\n  {record}")
    for student, expected, summary in outcome.differing[:3]:
        said = "no summary" if summary is None else ", ".join(f"{summary.get(k)}" for k in COMPARED)
        console.print(
            f"[yellow]student {student.student_id}: the records give {', '.join(COMPARED)} "
            f"{expected.enrolled_days}, {expected.absent_days}, "
            f"{expected.unexcused_period_absences}; eligibility says {said}[/]"
        )
    if len(outcome.differing) > 3:
        console.print(f"[yellow]... and {len(outcome.differing) - 3} more students disagree[/]")
    _print_thresholds(console, district, outcome)
    _print_examples(console, district, outcome)
    first = next(iter(district.examples().values()), None)
    if first is not None:
        console.print(
            f"Try: curl '{eligibility_url}{summary_path(district.district_id, first.student_id)}'"
        )


def _print_thresholds(console: Console, district: District, outcome: Outcome) -> None:
    log, crossed_now = outcome.log, _crossed_now(outcome.summaries)
    playbook = next(iter(outcome.summaries.values()), {}).get("rules", {})
    rules = list(dict.fromkeys([*playbook, *log.rules]))
    title = f"Threshold events of district {district.district_id} on eligibility.thresholds.v1"
    table = Table(title=title)
    for column in ("rule", "tier", "crossed", "cleared", "crossed now"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    for rule in rules:
        counts = (log.crossed(rule), log.cleared(rule), crossed_now[rule])
        table.add_row(rule, str(log.tiers.get(rule, "-")), *map(str, counts))
    console.print(table)
    crossings = sum(log.crossed(rule) for rule in rules)
    clearings = sum(log.cleared(rule) for rule in rules)
    console.print(
        f"{crossings} crossings and {clearings} clearings for {len(log.students)} of "
        f"{len(district.students)} students"
    )
    if outcome.events_missing:
        console.print("[yellow]The events on the topic and the summaries disagree.[/]")


def _print_examples(console: Console, district: District, outcome: Outcome) -> None:
    path = f"/v1/districts/{district.district_id}/students/{{id}}/summary"
    table = Table(title=f"Example summaries (GET {path})")
    for column in ("student", "who", "absent", "truant", "periods", "enrolled", "rate", "crossed"):
        table.add_column(
            column, justify="left" if column in ("student", "who", "crossed") else "right"
        )
    for label, student in district.examples().items():
        summary = outcome.summaries.get(student.student_id)
        if summary is None:
            table.add_row(student.student_id, label, *["?"] * 6)
            continue
        rate = summary.get("absenceRate")
        crossed = [rule for rule, state in summary.get("rules", {}).items() if state == "crossed"]
        counts = ("absentDays", "truantDays", "unexcusedPeriodAbsences", "enrolledDays")
        table.add_row(
            student.student_id, label, *(str(summary.get(key)) for key in counts),
            "-" if rate is None else f"{rate:.1%}", ", ".join(crossed) or "-",
        )  # fmt: skip
    console.print(table)
