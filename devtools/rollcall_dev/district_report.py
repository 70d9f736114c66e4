"""The demo district's attendance report after the replay: by school and by one student group, each school's
attendance against the target, the board report PDF and the anonymized CSV saved under `var/reports/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from rollcall_dev.district import District
from rollcall_dev.school_year import SCHOOL_YEAR
from rollcall_dev.tokens import operator_tokens

GROUP = "economicallyDisadvantaged"
"""The student group the demo shows beside the schools."""
BANDS = (("satisfactory", "satisfactory"), ("atRisk", "at risk"), ("moderateChronic", "moderate chronic"),
         ("severeChronic", "severe chronic"))  # fmt: skip
Report = dict[str, Any]


@dataclass
class DistrictReport:
    as_of: str
    by_school: Report
    by_group: Report
    targets: dict[str, Report | None]
    """School id -> its attendance against the target (None before its first review)."""
    campaign: Report
    """Before, during and after two weeks in the middle of the replayed days at the first school."""
    board: Path
    anonymized: Path


def district_report(district: District, eligibility_url: str, folder: Path) -> DistrictReport:
    """Ask eligibility for the reports as of the last replayed day and save the board report and CSV."""
    base = f"/v1/districts/{district.district_id}"
    as_of = district.school_days[district.closed_days - 1].isoformat()
    picture = {"schoolYear": SCHOOL_YEAR, "asOf": as_of}
    folder.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=eligibility_url, timeout=120, auth=operator_tokens()) as client:
        by_school = _ok(client.get(f"{base}/reports/attendance", params=picture | {"groupBy": "school"})).json()
        by_group = _ok(client.get(f"{base}/reports/attendance", params=picture | {"groupBy": GROUP})).json()
        targets = {}
        for school in district.schools:
            answer = client.get(f"{base}/schools/{school.school_id}/attendance-target", params={"schoolYear": SCHOOL_YEAR})
            targets[school.school_id] = _ok(answer).json() if answer.status_code != 404 else None
        days = district.school_days[: district.closed_days]
        start = len(days) // 3
        campaign = _ok(client.get(f"{base}/schools/{district.schools[0].school_id}/campaigns/report", params={
            "start": days[start].isoformat(), "end": days[min(start + 9, len(days) - 1)].isoformat(), "days": 10,
        })).json()  # fmt: skip
        board, anonymized = folder / f"board-report-{as_of}.pdf", folder / f"attendance-by-school-{as_of}.csv"
        board.write_bytes(_ok(client.get(f"{base}/reports/board.pdf", params=picture)).content)
        csv = client.get(f"{base}/reports/attendance.csv", params=picture | {"groupBy": "school,grade"})
        anonymized.write_bytes(_ok(csv).content)
    return DistrictReport(as_of, by_school, by_group, targets, campaign, board, anonymized)


def _ok(answer: httpx.Response) -> httpx.Response:
    answer.raise_for_status()
    return answer


def print_district_report(console: Console, district: District, report: DistrictReport) -> None:
    base = f"/v1/districts/{district.district_id}/reports/attendance"
    names = {school.school_id: school.name for school in district.schools}
    for title, answer, label in (
        (f"Attendance by school, as of {report.as_of}", report.by_school, lambda by: names.get(by["school"], by["school"])),
        (f"Attendance by {GROUP}, as of {report.as_of}", report.by_group, lambda by: by[GROUP]),
    ):  # fmt: skip
        table = Table(title=title, caption=f"GET {base}?asOf={report.as_of}&groupBy={'school' if answer is report.by_school else GROUP}")
        for column in ("", "students", "attendance", *(name for _, name in BANDS)):
            table.add_column(column, justify="left" if not column else "right")
        for row in [*answer["rows"], answer["total"]]:
            table.add_row(label(row["by"]) if row["by"] else "district", *_figures(row))
        console.print(table)
    for school_id, target in report.targets.items():
        if target is None:
            console.print(f"{names[school_id]}: not reviewed yet (fewer closed school days than the window)")
            continue
        below = target["state"] == "below"
        console.print(
            f"{names[school_id]}: {_percent(target['attendanceRate'])} over its last {target['windowDays']} school days, "
            + ("[yellow]below[/]" if below else "at or above")
            + f" the {target['target']:.0%} target; {target['dips']} dip(s), {target['recoveries']} recover(ies) "
            "this year (events on eligibility.schools.v1)"
        )
    campaign = report.campaign
    console.print(
        f"A two-week campaign at {names[campaign['schoolId']]} from {campaign['start']} to {campaign['end']}: "
        f"attendance {_percent(campaign['before']['attendanceRate'])} over the {campaign['days']} school days before, "
        f"{_percent(campaign['during']['attendanceRate'])} during, {_percent(campaign['after']['attendanceRate'])} "
        f"after (GET /v1/districts/{district.district_id}/schools/{{schoolId}}/campaigns/report)"
    )
    console.print(f"Board report: {report.board} (GET /v1/districts/{district.district_id}/reports/board.pdf)")
    console.print(f"Anonymized CSV for community partners (small cells suppressed): {report.anonymized}")


def _figures(row: Report) -> list[str]:
    return [str(row["students"]), f"{row['averageAttendanceRate']:.1%}", *(f"{row[key]:.0%}" for key, _ in BANDS)]


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"
