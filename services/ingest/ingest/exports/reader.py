"""Streamed CSV exports: chunks in, one Ed-Fi JSON-shaped daily attendance record per row out."""

from __future__ import annotations

import codecs
import csv
from typing import Any

from ingest.edfi.errors import Unreadable
from ingest.exports.profiles import REQUIRED, Profile


class ExportReader:
    """Feed the body chunk by chunk; each call returns the records of the rows completed."""

    def __init__(self, profile: Profile, encoding: str = "utf-8-sig") -> None:
        self.profile = profile
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._text = ""
        self._row = ""
        self._columns: dict[str, int] | None = None

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        self._decode(chunk, final=False)
        cut = self._text.rfind("\n") + 1
        lines, self._text = self._text[:cut], self._text[cut:]
        return self._records(lines)

    def close(self) -> list[dict[str, Any]]:
        self._decode(b"", final=True)
        records = self._records(self._text + "\n")
        if self._row:
            raise Unreadable("the CSV ends inside a quoted field")
        if self._columns is None:
            raise Unreadable("the body is empty")
        return records

    def _decode(self, chunk: bytes, *, final: bool) -> None:
        try:
            self._text += self._decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            raise Unreadable(f"not {self.encoding} text") from error

    def _records(self, lines: str) -> list[dict[str, Any]]:
        rows = []
        for line in lines.splitlines(keepends=True):
            self._row += line
            if self._row.count('"') % 2 == 0:  # a quoted field may hold line breaks
                rows.append(self._row)
                self._row = ""
        records = []
        for cells in csv.reader(rows):
            if not any(cell.strip() for cell in cells):
                continue
            if self._columns is None:
                self._columns = self._header(cells)
                continue
            row = {field: cells[at] for field, at in self._columns.items() if at < len(cells)}
            records.append(self.profile.record(row))
        return records

    def _header(self, cells: list[str]) -> dict[str, int]:
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
