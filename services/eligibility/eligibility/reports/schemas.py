"""The reports' shapes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import Field

from rollcall_shared.schemas import Camel

from eligibility.reports.figures import Band, Dimension, Figures

DECIMALS = 4


class FigureRow(Camel):
    """The figures of one cell of a report (or of the whole district); all null when suppressed."""

    by: dict[str, str] = Field(description="the cell's value of each dimension; empty for the district")
    students: int | None = Field(description="students counted: enrolled at least `rateMinEnrolledDays` days")
    average_attendance_rate: float | None = Field(description="mean over them of 1 - absence rate")
    satisfactory: float | None = Field(description="share absent less than 5% of their days")
    at_risk: float | None = Field(description="share absent 5% to less than 10%")
    moderate_chronic: float | None = Field(description="share absent 10% to less than 20%")
    severe_chronic: float | None = Field(description="share absent 20% or more")
    suppressed: bool = Field(description="figures withheld: too few students, or to protect a withheld cell")

    @classmethod
    def of(cls, dimensions: Sequence[Dimension], cell: tuple[str, ...], figures: Figures | None) -> FigureRow:
        by = dict(zip(dimensions, cell, strict=True))
        if figures is None:
            return cls(by=by, students=None, average_attendance_rate=None, satisfactory=None, at_risk=None,
                       moderate_chronic=None, severe_chronic=None, suppressed=True)  # fmt: skip
        shares = {band: _rounded(figures.share(band)) for band in Band}
        return cls(
            by=by, students=figures.students, average_attendance_rate=_rounded(figures.attendance_rate),
            satisfactory=shares[Band.SATISFACTORY], at_risk=shares[Band.AT_RISK],
            moderate_chronic=shares[Band.MODERATE_CHRONIC], severe_chronic=shares[Band.SEVERE_CHRONIC], suppressed=False,
        )  # fmt: skip

    def chronic(self) -> float | None:
        """The share chronically absent (10% or more, EC 60901)."""
        if self.moderate_chronic is None or self.severe_chronic is None:
            return None
        return round(self.moderate_chronic + self.severe_chronic, DECIMALS)


class Table(Camel):
    rows: list[FigureRow]
    total: FigureRow = Field(description="the whole district")


class AttendanceReport(Table):
    district_id: str
    school_year: int
    as_of: date
    group_by: list[Dimension]
    minimum_students: int = Field(description="the playbook's `reportMinimumStudents`")
    minimum_enrolled_days: int = Field(description="the playbook's `rateMinEnrolledDays`: fewer days, not counted")
    suppressed: bool = Field(description="whether small-number suppression was applied")


class TrendPoint(Table):
    """The district (`total`) and each school (`rows`) at the end of one month."""

    month: str = Field(description="YYYY-MM")
    as_of: date = Field(description="the month's last day, or the last closed day of a month not over")


class AttendanceTrend(Camel):
    district_id: str
    school_year: int
    minimum_students: int
    suppressed: bool
    months: list[TrendPoint]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)
