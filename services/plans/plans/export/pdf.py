"""The case record as a PDF a SARB panel can read: the case, the year's figures, the plan, then the chronology."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rollcall_shared.pdf import latin_1

from plans.export.schemas import CaseRecord

FONT = "helvetica"
MARGIN = 18.0


def case_record_pdf(record: CaseRecord) -> bytes:
    pdf = _RecordPdf(record)
    pdf.add_page()
    pdf.heading(record)
    pdf.section("Attendance this school year")
    pdf.table_of([["Figure", "Value"], *_figures(record)], (70, 110))
    pdf.section("Plan")
    pdf.plan(record)
    pdf.section("Chronology")
    pdf.table_of(
        [["Date", "Source", "What", "By"],
         *([f"{h.at:%Y-%m-%d %H:%M}" if h.at else h.on.isoformat(), h.source, h.what, h.by or ""]
           for h in record.chronology)],
        (28, 20, 108, 24),
    )  # fmt: skip
    return bytes(pdf.output())


def _figures(record: CaseRecord) -> list[list[str]]:
    summary = record.summary
    rate = f"{summary.attendance_rate:.1%}" if summary.attendance_rate is not None else "-"
    rows = [
        ["School days enrolled (closed)", str(summary.school_days)],
        ["Days absent", str(summary.absences)],
        ["Unexcused absences", str(summary.unexcused_absences)],
        ["Days tardy, left early or partial", str(summary.partial_days)],
        ["Attendance rate", rate],
    ]
    if metrics := summary.latest_metrics:
        rows += [
            ["Truant days (EC 48260), at the last threshold", str(metrics.get("truantDays", "-"))],
            ["Unexcused period absences, at the last threshold", str(metrics.get("unexcusedPeriodAbsences", "-"))],
        ]
    return rows


class _RecordPdf(FPDF):
    def __init__(self, record: CaseRecord) -> None:
        super().__init__(format="letter")
        self.record = record
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, MARGIN)
        self.set_title(latin_1(f"Case record {record.case.case_id}"))
        self.set_creation_date(record.generated_at)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        confidential = "Confidential student record (FERPA). Student"
        self.cell(0, 4, latin_1(f"{confidential} {self.record.case.student_id}, case {self.record.case.case_id}"))
        self.cell(0, 4, f"page {self.page_no()}/{{nb}}", align="R")

    def heading(self, record: CaseRecord) -> None:
        case = record.case
        self.set_font(FONT, "B", 15)
        self.cell(0, 8, "Attendance case record", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)
        made = f"{record.generated_at:%Y-%m-%d %H:%M} UTC"
        self.cell(0, 5, latin_1(f"For a School Attendance Review Board (SARB) referral. Prepared {made}."),
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.ln(2)
        closed = f"{case.closed_at:%Y-%m-%d} ({case.outcome})" if case.closed_at else "open"
        self.table_of([
            ["District", record.district_id], ["Student", case.student_id], ["School", case.school_id],
            ["School year", f"{record.school_year - 1}-{record.school_year}"], ["Case", case.case_id],
            ["Kind and tier", f"{case.kind}, tier {case.tier}"], ["Owner", case.owner_id or "unassigned"],
            ["Opened", f"{case.opened_at:%Y-%m-%d}"], ["Closed", closed],
            ["Reasons", ", ".join(case.reasons) or "-"], ["Still standing", ", ".join(record.standing_reasons) or "-"],
        ], (40, 140), headings=False)  # fmt: skip

    def section(self, title: str) -> None:
        self.ln(4)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, latin_1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def plan(self, record: CaseRecord) -> None:
        plan = record.plan
        self.subsection("Barriers")
        self.table_of([["Group", "Barrier"], *([b.group, b.label] for b in plan.barriers)], (40, 140))
        self.subsection("Goal")
        if (goal := plan.goal) is None:
            self.text_line("No goal set.")
        else:
            done = goal.progress
            self.text_line(
                f"At most {goal.max_absences} absence(s) over {goal.school_days} school days from "
                f"{goal.start_date:%Y-%m-%d}: {done.absences} absence(s) in {done.school_days} school days so far, "
                f"{goal.outcome or done.status}; review {done.review_on:%Y-%m-%d}."
            )
        self.subsection("Interventions")
        self.table_of([["Intervention", "Tier", "Owner", "From", "To", "Status"], *(
            [i.label, str(i.tier), i.owner_id, f"{i.start_date:%Y-%m-%d}", f"{i.end_date:%Y-%m-%d}" if i.end_date else "",
             i.status] for i in plan.interventions
        )], (62, 12, 30, 24, 24, 28))  # fmt: skip
        self.subsection("Meetings")
        self.table_of([["Held", "Family attended", "Staff", "Family members", "Notes"], *(
            [f"{m.held_on:%Y-%m-%d}", "yes" if m.family_attended else "no", ", ".join(m.staff_ids),
             ", ".join(m.family_members), m.notes or ""] for m in plan.meetings
        )], (22, 22, 34, 38, 64))  # fmt: skip
        self.subsection("Acknowledgements by the family")
        self.table_of([["On", "By", "How"], *(
            [f"{a.acknowledged_on:%Y-%m-%d}", a.acknowledged_by, a.how] for a in plan.acknowledgements
        )], (30, 110, 40))  # fmt: skip
        self.subsection("Notes")
        self.table_of([["Recorded", "By", "Note"], *(
            [f"{n.recorded_at:%Y-%m-%d}", n.recorded_by, n.text] for n in plan.notes
        )], (24, 26, 130))  # fmt: skip

    def subsection(self, title: str) -> None:
        self.ln(1)
        self.set_font(FONT, "B", 10)
        self.cell(0, 6, latin_1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def text_line(self, text: str) -> None:
        self.set_font(FONT, "", 9)
        self.multi_cell(0, 4.5, latin_1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(self, rows: Sequence[Sequence[str]], widths: Sequence[float], *, headings: bool = True) -> None:
        """A table across the page, its columns in proportion to `widths`; with no rows under the headings, a line."""
        if headings and len(rows) == 1:
            self.text_line("None recorded.")
            return
        self.set_font(FONT, "", 8)
        with self.table(col_widths=tuple(widths), width=self.epw, align="LEFT", text_align="LEFT",
                        first_row_as_headings=headings, line_height=4.2) as table:  # fmt: skip
            for cells in rows:
                row = table.row()
                for cell in cells:
                    row.cell(latin_1(cell))
