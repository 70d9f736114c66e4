"""The streamed readers, fuzzed: any bytes, cut anywhere, give records or `Unreadable`, never another error."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.edfi.errors import Unreadable
from ingest.edfi.interchange import InterchangeReader
from ingest.exports.profiles import PROFILES
from ingest.exports.reader import ExportReader
from tests.ingest.builders import DAILY_ELEMENT, interchange

FUZZ = settings(max_examples=150, derandomize=True, deadline=None)
"""Derandomized: CI tries the same inputs every run."""
PROFILE = PROFILES["generic-daily"]
HEADER = ["StudentID", "SchoolID", "AttendanceDate", "AttendanceCode", "MinutesAbsent", "Reason"]

cells = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=12)
"""Any text but NUL (refused) and a bare carriage return (which csv.writer leaves unquoted after `\n`)."""
cuts = st.lists(st.integers(min_value=0, max_value=4096), max_size=8)


def fed(reader: ExportReader | InterchangeReader, body: bytes, at: list[int]) -> list:
    """Everything the reader gives for the body cut at the given places."""
    records, start = [], 0
    for end in sorted({min(cut, len(body)) for cut in at}) + [len(body)]:
        records += reader.feed(body[start:end])
        start = end
    return records + reader.close()


def read_or_refuse(reader: ExportReader | InterchangeReader, body: bytes, at: list[int]) -> list:
    try:
        return fed(reader, body, at)
    except Unreadable:
        return []


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=6, max_size=6), max_size=8),
       line_end=st.sampled_from(["\n", "\r\n"]), at=cuts)  # fmt: skip
def test_export_reads_like_the_csv_module_however_it_is_cut(rows, line_end, at):
    text = io.StringIO()
    csv.writer(text, lineterminator=line_end).writerows([HEADER, *rows])

    records = fed(ExportReader(PROFILE), text.getvalue().encode(), at)

    expected = [PROFILE.record(dict(zip(PROFILE.columns, row))) for row in rows if any(cell.strip() for cell in row)]
    assert records == expected


@FUZZ
@given(body=st.binary(max_size=2048), header=st.booleans(), at=cuts)
def test_any_bytes_as_an_export_give_records_or_unreadable(body, header, at):
    read_or_refuse(ExportReader(PROFILE), (",".join(HEADER).encode() + b"\n" if header else b"") + body, at)


@FUZZ
@given(body=st.text(max_size=2048), at=cuts)
def test_any_text_as_an_export_gives_records_or_unreadable(body, at):
    read_or_refuse(ExportReader(PROFILE), body.encode("utf-8", "surrogatepass"), at)


def daily_element(student: str, reason: str) -> str:
    element = DAILY_ELEMENT.replace(">1</StudentUniqueId>", f">{escape(student)}</StudentUniqueId>")
    return element.replace("</AttendanceEvent>", f"<AttendanceEventReason>{escape(reason)}</AttendanceEventReason>"
                           "</AttendanceEvent>")  # fmt: skip


xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@FUZZ
@given(elements=st.lists(st.tuples(xml_text, xml_text), max_size=6), at=cuts)
def test_interchange_records_do_not_depend_on_where_it_is_cut(elements, at):
    body = interchange(*(daily_element(student, reason) for student, reason in elements)).encode()

    assert fed(InterchangeReader(), body, at) == fed(InterchangeReader(), body, [])


@FUZZ
@given(cut=st.integers(min_value=0), insert=st.binary(max_size=64), at=cuts)
def test_interchange_cut_short_or_spliced_with_bytes_gives_records_or_unreadable(cut, insert, at):
    whole = interchange(daily_element("1", "bus"), daily_element("2", "flu")).encode()
    cut %= len(whole) + 1

    read_or_refuse(InterchangeReader(), whole[:cut] + insert + whole[cut:], at)
    read_or_refuse(InterchangeReader(), whole[:cut], at)


@FUZZ
@given(body=st.binary(max_size=2048), at=cuts)
def test_any_bytes_as_an_interchange_give_records_or_unreadable(body, at):
    read_or_refuse(InterchangeReader(), b'<InterchangeStudent xmlns="http://ed-fi.org/5.2.0">' + body, at)
    read_or_refuse(InterchangeReader(), body, at)
