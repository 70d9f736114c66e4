"""CSV the project writes, safe to open in a spreadsheet: no cell runs as a formula (OWASP, CSV injection).

Every CSV Rollcall writes goes through `writer`. A text cell that a spreadsheet would read as a formula (it
begins with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, which spreadsheets
take as "text" and do not show; numbers stay numbers. Lines end in CRLF (RFC 4180), so a cell holding a line
break of either kind is always quoted. (defusedcsv, the library for this, leaves tab and carriage return alone
and rewrites `|` inside text, so it is not used.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading `'` if it is text a spreadsheet would run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


class SafeWriter:
    """`csv.writer` in the RFC 4180 dialect, every text cell made safe first."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, dialect="excel")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


def writer(out: TextIO) -> SafeWriter:
    """A CSV writer on `out` whose text cells never run as formulas."""
    return SafeWriter(out)
