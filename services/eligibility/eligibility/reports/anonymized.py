"""The report as a CSV for community partners: aggregate rows only, withheld figures left empty."""

from __future__ import annotations

import io

from rollcall_shared import spreadsheets

from eligibility.reports.schemas import AttendanceReport

FIGURES = ("students", "averageAttendanceRate", "satisfactory", "atRisk", "moderateChronic", "severeChronic")
ALL = "All"
"""A dimension's column in the district's row."""


def report_csv(report: AttendanceReport) -> str:
    """One line per cell, then the district's: `districtId, schoolYear, asOf`, a column per dimension, the figures
    and `suppressed`. A school, grade or group name that a spreadsheet would run as a formula is written as text."""
    out = io.StringIO()
    writer = spreadsheets.writer(out)
    writer.writerow(["districtId", "schoolYear", "asOf", *report.group_by, *FIGURES, "suppressed"])
    for row in [*report.rows, report.total]:
        figures = row.model_dump(by_alias=True)
        writer.writerow([
            report.district_id, report.school_year, report.as_of.isoformat(),
            *(row.by.get(dimension, ALL) for dimension in report.group_by),
            *("" if figures[name] is None else figures[name] for name in FIGURES),
            str(row.suppressed).lower(),
        ])  # fmt: skip
    return out.getvalue()
