"""CSV cells a spreadsheet would run as formulas are written as text; everything else as it is."""

from __future__ import annotations

import csv
import io

from rollcall_shared import spreadsheets


def written(*row: object) -> list[str]:
    out = io.StringIO(newline="")
    spreadsheets.writer(out).writerow(row)
    [line] = csv.reader(io.StringIO(out.getvalue(), newline=""))
    return line


def test_text_starting_like_a_formula_gets_a_leading_quote():
    formulas = ["=1+2", "+1 North", "-Westside", "@SUM(A1)", "\tTabbed", "\rReturned"]
    assert written(*formulas) == [f"'{cell}" for cell in formulas]


def test_numbers_and_other_text_are_written_as_they_are():
    assert written(-5, -0.25, 0.9667, 3, "Ninth grade", "a=b", "", None) == [
        "-5", "-0.25", "0.9667", "3", "Ninth grade", "a=b", "", ""]  # fmt: skip


def test_a_line_break_inside_a_cell_stays_inside_it():
    assert written("North\rSouth", "East\nWest", 1) == ["North\rSouth", "East\nWest", "1"]
