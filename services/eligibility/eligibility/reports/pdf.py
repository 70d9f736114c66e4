"""The board report as a PDF: the district's figures, the monthly trend, bands by school and by one group."""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rollcall_shared.pdf import latin_1

from eligibility.reports.charts import bands_chart, trend_chart
from eligibility.reports.figures import Dimension
from eligibility.reports.schemas import FigureRow
from eligibility.reports.service import BoardReport

FONT = "helvetica"
MARGIN = 15.0
WITHHELD = "*"
GROUP_NAMES = {
    Dimension.SEX: "sex", Dimension.RACE_ETHNICITY: "race and ethnicity", Dimension.ENGLISH_LEARNER: "English learner",
    Dimension.SPECIAL_EDUCATION: "special education", Dimension.ECONOMICALLY_DISADVANTAGED: "economically disadvantaged",
    Dimension.HOMELESS: "homeless", Dimension.FOSTER_CARE: "foster care",
}  # fmt: skip
FIGURE_HEADINGS = ["Students", "Attendance rate", "Satisfactory", "At risk", "Moderate chronic", "Severe chronic"]


def board_report_pdf(board: BoardReport) -> bytes:
    report, group = board.by_school, board.by_group.group_by[0]
    pdf = _BoardPdf()
    pdf.add_page()
    pdf.set_title(latin_1(f"Attendance report, {report.district_id}, as of {report.as_of}"))
    pdf.heading("Attendance report to the board", 15)
    pdf.line_of(f"District {report.district_id}, school year {report.school_year - 1}-{report.school_year}, "
                f"as of {report.as_of:%Y-%m-%d}.")  # fmt: skip
    pdf.line_of(f"Students counted: those enrolled at least {report.minimum_enrolled_days} school days by then. "
                "Attendance rate: the mean over them of days present over days enrolled, district-wide. Bands by "
                f"absence rate. {WITHHELD} withheld: fewer than {report.minimum_students} students, or it would reveal "
                "a withheld figure.")  # fmt: skip
    pdf.heading("District", 12)
    pdf.grid(["", *FIGURE_HEADINGS], [["District", *_figures(report.total)]])
    pdf.heading("Monthly trend", 12)
    months = board.trend.months
    if months:
        pdf.chart(trend_chart(months))
        pdf.grid(["Month end", "Students", "Attendance rate", "Chronically absent (10%+)"], [
            [f"{point.as_of:%Y-%m-%d}", *_figures(point.total)[:2], _percent(point.total.chronic())] for point in months
        ])  # fmt: skip
    else:
        pdf.line_of("No school day of the year is closed yet.")
    for title, rows, dimension in (("Bands by school", report.rows, "school"),
                                   (f"Bands by {GROUP_NAMES[group]}", board.by_group.rows, group)):  # fmt: skip
        pdf.heading(title, 12)
        if not rows:
            pdf.line_of("No student is counted yet.")
            continue
        labelled = [("District", report.total), *((row.by[dimension], row) for row in rows)]
        pdf.chart(bands_chart(labelled))
        pdf.grid(["", *FIGURE_HEADINGS], [[label, *_figures(row)] for label, row in labelled])
    return bytes(pdf.output())


def _figures(row: FigureRow) -> list[str]:
    if row.suppressed:
        return [WITHHELD] * len(FIGURE_HEADINGS)
    shares = (row.satisfactory, row.at_risk, row.moderate_chronic, row.severe_chronic)
    return [str(row.students), _percent(row.average_attendance_rate), *(_percent(share) for share in shares)]


def _percent(value: float | None) -> str:
    return WITHHELD if value is None else f"{value:.1%}"


class _BoardPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="letter")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, MARGIN)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, "Aggregate figures only; no student is named.")
        self.cell(0, 4, f"page {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str, size: float) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.cell(0, size / 2 + 1, latin_1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def line_of(self, text: str) -> None:
        self.set_font(FONT, "", 9)
        self.multi_cell(0, 4.5, latin_1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def chart(self, png: bytes) -> None:
        self.image(io.BytesIO(png), w=self.epw)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.set_font(FONT, "", 8)
        others = len(headings) - 1
        with self.table(width=self.epw, col_widths=(2, *(1,) * others), text_align=("LEFT", *("RIGHT",) * others),
                        line_height=4.2) as table:  # fmt: skip
            for cells in [headings, *rows]:
                line = table.row()
                for cell in cells:
                    line.cell(latin_1(cell))
