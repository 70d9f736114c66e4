"""The demo district's cases: school teams before the replay; after it, a team's Tier 2 work and one SARB record."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from rollcall_dev.district import District
from rollcall_dev.school_year import SCHOOL_YEAR
from rollcall_dev.tokens import operator_tokens

SETTLE_SECONDS = 120.0
"""How long the cases may take to stop changing after the replay."""
WORKED_CASES = 12
"""Tier 2 cases whose team holds a meeting, sets a goal and starts an intervention in the demo."""
TEAM = (("counselor", "Counselor"), ("clerk", "Attendance clerk"))
Case = dict[str, Any]


def put_school_teams(district: District, plans_url: str) -> int:
    """A counselor and an attendance clerk per school, so each new case gets an owner."""
    base = f"/v1/districts/{district.district_id}"
    with httpx.Client(base_url=plans_url, timeout=30, auth=operator_tokens()) as client:
        for school in district.schools:
            members = [f"{school.school_id}-{role}" for role, _ in TEAM]
            for staff_id, (_, title) in zip(members, TEAM, strict=True):
                _ok(client.put(f"{base}/staff/{staff_id}", json={"name": f"{title}, {school.name}", "role": title}))
            _ok(client.put(f"{base}/schools/{school.school_id}/team", json={"staffIds": members}))
    return len(district.schools) * len(TEAM)


@dataclass
class CasesOutcome:
    cases: list[Case]
    settled: bool
    worked: list[Case]
    """The worked cases after their goal's review."""
    report: dict[str, Any]
    record: Path | None


def cases_of(district: District, plans_url: str, folder: Path, check_alive: Callable[[], None]) -> CasesOutcome:
    """Wait for the cases to settle; a team works some of them; the effectiveness report; one case's record saved."""
    base = f"/v1/districts/{district.district_id}"
    with httpx.Client(base_url=plans_url, timeout=60, auth=operator_tokens()) as client:
        cases, settled = _settled_cases(client, base, check_alive)
        days = district.school_days
        start = days[len(days) // 2]
        window = min(15, len(days) - len(days) // 2)
        chosen = sorted((c for c in cases if c["status"] == "open" and c["tier"] == 2), key=lambda c: c["caseId"])
        worked = [_work(client, base, case, start.isoformat(), window) for case in chosen[:WORKED_CASES]]
        report = _ok(client.get(f"{base}/reports/interventions",
                                params={"schoolYear": SCHOOL_YEAR, "schoolDays": window}))  # fmt: skip
        cases = _every_case(client, base)
        record = _save_record(client, base, cases, folder)
    return CasesOutcome(cases, settled, worked, report, record)


def _settled_cases(client: httpx.Client, base: str, check_alive: Callable[[], None]) -> tuple[list[Case], bool]:
    deadline, last, since = time.monotonic() + SETTLE_SECONDS, None, time.monotonic()
    while time.monotonic() < deadline:
        cases = _every_case(client, base)
        shape = Counter((c["status"], c["tier"]) for c in cases)
        if shape != last:
            last, since = shape, time.monotonic()
        elif cases and time.monotonic() - since > 5:
            return cases, True
        check_alive()
        time.sleep(1)
    return _every_case(client, base), False


def _work(client: httpx.Client, base: str, case: Case, start: str, window: int) -> Case:
    """The team's meeting half way through the replayed days: barriers, a goal, check-in/check-out."""
    staff = case["ownerId"] or f"{case['schoolId']}-counselor"
    plan = f"{base}/cases/{case['caseId']}/plan"
    for part, body in (
        ("meetings", {"heldOn": start, "staffIds": [staff], "familyAttended": True}),
        ("barriers", {"codes": ["transportation", "impact-of-absences"]}),
        ("interventions", {"code": "check-in-check-out", "ownerId": staff, "startDate": start, "status": "active"}),
        ("goal", {"maxAbsences": 2, "schoolDays": window, "startDate": start}),
    ):  # fmt: skip
        _ok(client.post(f"{plan}/{part}", json={"staffId": staff, **body}))
    return _ok(client.get(f"{base}/cases/{case['caseId']}")) | {"goal": _ok(client.get(plan))["goal"]}


def _save_record(client: httpx.Client, base: str, cases: list[Case], folder: Path) -> Path | None:
    """The record of the Tier 3 case with the longest history (or any open case), as PDF and JSON."""
    candidates = [c for c in cases if c["status"] == "open" and c["tier"] == 3] or [c for c in cases if c["status"] == "open"]
    if not candidates:
        return None
    records = {c["caseId"]: _ok(client.get(f"{base}/cases/{c['caseId']}/record")) for c in candidates[:20]}
    case_id = max(records, key=lambda k: len(records[k]["chronology"]))
    folder.mkdir(parents=True, exist_ok=True)
    pdf = client.get(f"{base}/cases/{case_id}/record.pdf")
    pdf.raise_for_status()
    (folder / f"case-{case_id}.json").write_text(json.dumps(records[case_id], indent=2))
    path = folder / f"case-{case_id}.pdf"
    path.write_bytes(pdf.content)
    return path


def _every_case(client: httpx.Client, base: str) -> list[Case]:
    cases: list[Case] = []
    cursor = None
    while True:
        page = _ok(client.get(f"{base}/cases", params={"limit": 1000} | ({"cursor": cursor} if cursor else {})))
        cases += page["items"]
        if not (cursor := page["next"]):
            return cases


def _ok(answer: httpx.Response) -> Any:
    answer.raise_for_status()
    return answer.json()


def print_cases(console: Console, district: District, outcome: CasesOutcome) -> None:
    base = f"/v1/districts/{district.district_id}"
    counts = Counter((c["kind"], c["tier"], c["outcome"] or c["status"]) for c in outcome.cases)
    states = sorted({state for _, _, state in counts})
    table = Table(title="Intervention cases, by kind and how they stand", caption=f"GET {base}/cases")
    table.add_column("kind")
    table.add_column("tier", justify="right")
    for state in (*states, "cases"):
        table.add_column(state, justify="right")
    for kind, tier in sorted({(kind, tier) for kind, tier, _ in counts}, key=lambda k: (k[1], k[0])):
        row = [counts[kind, tier, state] for state in states]
        table.add_row(kind, str(tier), *map(str, row), str(sum(row)))
    console.print(table)
    owners = Counter(c["ownerId"] for c in outcome.cases if c["status"] == "open")
    console.print("Open caseloads: " + ", ".join(f"{owner} {n}" for owner, n in sorted(owners.items(), key=str)))
    if outcome.worked:
        reviews = Counter(c["goal"]["outcome"] or c["goal"]["progress"]["status"] for c in outcome.worked)
        proposed = sum(c["proposedOutcome"] == "goal-met" for c in outcome.worked)
        escalated = sum(c["tier"] == 3 for c in outcome.worked)
        console.print(
            f"A team met {len(outcome.worked)} Tier 2 families half way through the replay (goal: at most 2 "
            f"absences in the next school days; check-in/check-out). Reviewed from the attendance: "
            + ", ".join(f"{n} {state}" for state, n in sorted(reviews.items()))
            + f"; {proposed} proposed for closing as goal-met, {escalated} escalated to Tier 3."
        )
    for row in outcome.report["interventions"]:
        if row["schoolId"] is None and row["paired"]["students"]:
            paired = row["paired"]
            console.print(
                f"{row['label']}: attendance {paired['before']:.1%} over the {outcome.report['schoolDays']} school "
                f"days before it started, {paired['after']:.1%} after ({paired['students']} students; "
                f"GET {base}/reports/interventions)"
            )
    if outcome.record:
        console.print(f"A SARB referral record: {outcome.record} (and .json; GET {base}/cases/{{caseId}}/record.pdf)")
