"""Streamed CSV exports: chunks in, one Ed-Fi JSON-shaped daily attendance record per row out.

Only the row being read is held in memory, and a row longer than `MAX_ROW_CHARACTERS` refuses the
export (an unbalanced quote or a file without line breaks would otherwise be held whole).
"""

from __future__ import annotations

import codecs
import csv
from typing import Any

from ingest.edfi.errors import Unreadable
from ingest.exports.profiles import REQUIRED, Profile

MAX_ROW_CHARACTERS = 64 * 1024
"""A daily attendance row is well under 1 KiB; below csv's own field limit (128 KiB)."""


class ExportReader:
    """Feed the body chunk by chunk; each call returns the records of the rows completed."""

    def __init__(self, profile: Profile, encoding: str = "utf-8-sig") -> None:
        self.profile = profile
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._text = ""
        """Decoded text after the last line break."""
        self._row: list[str] = []
        """Lines of a row whose quoted field goes on past them."""
        self._row_length = 0
        self._quotes = 0
        self._rows = 0
        self._columns: dict[str, int] | None = None
        self._width = 0

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        records = []
        for start in range(0, len(chunk), MAX_ROW_CHARACTERS):
            self._decode(chunk[start : start + MAX_ROW_CHARACTERS], final=False)
            cut = self._text.rfind("\n") + 1
            lines, self._text = self._text[: cut - 1], self._text[cut:]
            if cut:
                records += self._records(self._complete_rows(lines))
            self._within_limit(len(self._text))
        return records

    def close(self) -> list[dict[str, Any]]:
        self._decode(b"", final=True)
        rows = self._complete_rows(self._text)
        if self._row:
            raise Unreadable("the CSV ends inside a quoted field (an unbalanced quote?)")
        records = self._records(rows, last=True)
        if self._columns is None:
            raise Unreadable("the body is empty")
        return records

    def _decode(self, chunk: bytes, *, final: bool) -> None:
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            raise Unreadable(f"not {self.encoding} text; declare the export's charset") from error
        if "\x00" in text:
            raise Unreadable("the CSV holds NUL characters: UTF-16 without a byte order mark, or not text at all?")
        self._text += text

    def _within_limit(self, pending: int) -> None:
        if self._row_length + pending > MAX_ROW_CHARACTERS:
            raise Unreadable(
                f"row {self._rows + 1} is longer than {MAX_ROW_CHARACTERS:,} characters "
                "(an unbalanced quote, or no line breaks?)"
            )

    def _complete_rows(self, lines: str) -> list[str]:
        """The rows the lines complete: a quoted field may hold line breaks, so a row may span lines."""
        rows = []
        for line in lines.split("\n"):
            self._within_limit(len(line))
            self._row.append(line)
            self._row_length += len(line) + 1
            self._quotes += line.count('"')
            if self._quotes % 2 == 0:  # every quoted field of the row is closed
                rows.append("\n".join(self._row))
                self._row, self._row_length, self._quotes = [], 0, 0
        return rows

    def _records(self, rows: list[str], *, last: bool = False) -> list[dict[str, Any]]:
        first = self._rows
        self._rows += len(rows)
        reader = csv.reader(rows)
        try:
            parsed = list(reader)
        except csv.Error as error:
            raise Unreadable(f"not a CSV export at row {first + reader.line_num} ({error})") from error
        records = []
        for number, cells in enumerate(parsed, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if self._columns is None:
                self._columns, self._width = self._header(cells), len(cells)
                continue
            if last and number == len(parsed) and len(cells) < self._width:
                raise Unreadable(f"the CSV ends mid-row: its last row has {len(cells)} of {self._width} columns")
            row = {field: cells[at] for field, at in self._columns.items() if at < len(cells)}
            records.append(self.profile.record(row))
        return records

    def _header(self, cells: list[str]) -> dict[str, int]:
        if len(cells) == 1 and (separator := next((c for c in ";\t|" if c in cells[0]), None)):
            raise Unreadable(f"the header is one column: the export must be separated by commas, not {separator!r}")
        positions = {cell.strip().casefold(): at for at, cell in enumerate(cells)}
        columns = {
            field: positions[header.casefold()]
            for field, header in self.profile.columns.items()
            if header.casefold() in positions
        }
        missing = [self.profile.columns[field] for field in REQUIRED if field not in columns]
        if missing:
            raise Unreadable(f"the {self.profile.name} profile needs the columns {', '.join(missing)}")
        return columns
