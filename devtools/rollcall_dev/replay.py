"""Sends a generated district through the ingest HTTP API as an SIS would: roster, then each day."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rollcall_dev.district import DayClosed, District, Records
from rollcall_dev.tokens import operator_tokens


class ReplayError(Exception):
    """Ingest refused a request; the message names the request and the answer."""


@dataclass
class Totals:
    posted: int = 0
    accepted: int = 0
    duplicates: int = 0
    closes: int = 0
    rejected_count: int = 0
    rejected: list[tuple[str, Any, list[str]]] = field(default_factory=list)
    """(resource, record, reasons) of the first rejected records."""


def post(client: httpx.Client, path: str, body: Any) -> dict[str, Any]:
    try:
        answer = client.post(path, json=body)
    except httpx.TransportError as error:
        raise ReplayError(f"POST {path} got no answer from ingest ({error!r})") from error
    if answer.status_code >= 400:
        raise ReplayError(f"POST {path} answered {answer.status_code}: {answer.text[:500]}")
    return answer.json() if answer.content else {}


HOUSEHOLDS_SECONDS = 120.0
"""How long notifications may take to read the families from ingest."""


def send_roster(district: District, ingest_url: str, totals: Totals) -> None:
    """POST the district's students, guardians, who lives with whom and the students' groups to ingest."""
    base = f"/v1/districts/{district.district_id}/ed-fi"
    with httpx.Client(base_url=ingest_url, timeout=120, auth=operator_tokens()) as client:
        for step in itertools.chain(district.roster(), district.groups()):
            _count(totals, step, post(client, f"{base}/{step.resource}", step.items))


def put_outreach_settings(district: District, notifications_url: str) -> None:
    path = f"/v1/districts/{district.district_id}/settings"
    try:
        answer = httpx.put(
            f"{notifications_url}{path}", json=district.outreach_settings(), timeout=30, auth=operator_tokens()
        )
    except httpx.TransportError as error:
        raise ReplayError(f"PUT {path} got no answer from notifications ({error!r})") from error
    if answer.status_code >= 400:
        raise ReplayError(f"PUT {path} answered {answer.status_code}: {answer.text[:500]}")


def wait_for_households(district: District, notifications_url: str) -> bool:
    """Wait until notifications knows the guardians of the first and last families' students."""
    families = [district.families[0], district.families[-1]]
    students = [child.student.student_id for family in families for child in family.children]
    base = f"{notifications_url}/v1/districts/{district.district_id}/students"
    deadline = time.monotonic() + HOUSEHOLDS_SECONDS
    with httpx.Client(base_url=base, timeout=30, auth=operator_tokens()) as client:
        while students and time.monotonic() < deadline:
            students = [s for s in students if not _guardians_known(client, f"/{s}/household")]
            if students:
                time.sleep(0.5)
    return not students


def _guardians_known(client: httpx.Client, path: str) -> bool:
    try:
        answer = client.get(path)
    except httpx.TransportError:
        return False
    return answer.status_code == 200 and bool(answer.json().get("guardians"))


def replay(
    district: District, ingest_url: str, progress: Progress, totals: Totals | None = None
) -> Totals:
    """POST every record and day close of the district to ingest, showing the days as they go."""
    totals = totals or Totals()
    base = f"/v1/districts/{district.district_id}"
    task = progress.add_task("calendar", total=len(district.school_days), records=0)
    with httpx.Client(base_url=ingest_url, timeout=120, auth=operator_tokens()) as client:
        for step in district.replay():
            if isinstance(step, DayClosed):
                post(
                    client,
                    f"{base}/schools/{step.school_id}/closed-days",
                    {"date": step.date.isoformat()},
                )
                totals.closes += 1
                if totals.closes % len(district.schools) == 0:
                    progress.update(task, advance=1, description=f"closed {step.date:%a %d %b %Y}")
                continue
            answer = post(client, f"{base}/ed-fi/{step.resource}", step.items)
            _count(totals, step, answer)
            progress.update(task, records=totals.posted)
    return totals


def _count(totals: Totals, step: Records, answer: dict[str, Any]) -> None:
    totals.posted += len(step.items)
    totals.accepted += answer.get("accepted", 0)
    totals.duplicates += answer.get("duplicates", 0)
    totals.rejected_count += len(answer.get("rejected", []))
    for rejection in answer.get("rejected", []):
        if len(totals.rejected) < 5:
            index = rejection.get("index", 0)
            record = step.items[index] if 0 <= index < len(step.items) else None
            totals.rejected.append((step.resource, record, rejection.get("errors", [])))


def replay_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("school days · {task.fields[records]:,} records"),
        TimeElapsedColumn(),
    )
