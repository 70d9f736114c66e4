"""The streamed CSV export reader and its profiles (no I/O)."""

from __future__ import annotations

import pytest

from ingest.edfi.errors import Unreadable
from ingest.exports.profiles import PROFILES
from ingest.exports.reader import ExportReader

HEADER = "StudentID,SchoolID,AttendanceDate,AttendanceCode,MinutesAbsent,Reason\r\n"


def read(body: bytes, profile: str = "generic-daily", chunk_size: int = 5, encoding: str = "utf-8-sig"):
    reader = ExportReader(PROFILES[profile], encoding)
    records = []
    for start in range(0, len(body), chunk_size):
        records += reader.feed(body[start : start + chunk_size])
    return records + reader.close()


@pytest.mark.parametrize("code, category", [
    ("P", "In Attendance"), ("a", "Unexcused Absence"), ("U", "Unexcused Absence"),
    ("E", "Excused Absence"), ("I", "Excused Absence"), ("M", "Excused Absence"),
    ("S", "Excused Absence"), ("T", "Tardy"), ("L", "Early departure"), ("H", "Partial"),
    ("Excused Absence", "Excused Absence"),
])
def test_generic_daily_codes_map_to_ed_fi_categories(code, category):
    [record] = read(f"{HEADER}1,9,09/01/2021,{code},,\r\n".encode())

    assert record["attendanceEventCategoryDescriptor"] == category


def test_generic_daily_row_reads_as_an_ed_fi_daily_attendance_event():
    [record] = read(f'{HEADER}604822,255901001,09/02/2021,T,35,"Bus\nlate, again"\r\n'.encode())

    assert record == {
        "studentReference": {"studentUniqueId": "604822"},
        "schoolReference": {"schoolId": "255901001"},
        "eventDate": "2021-09-02",
        "attendanceEventCategoryDescriptor": "Tardy",
        "schoolAttendanceDuration": "35",
        "attendanceEventReason": "Bus\nlate, again",
    }


def test_columns_may_come_in_any_order_and_case_with_extra_columns_and_blank_lines():
    body = "reason,attendancecode,Extra,schoolid,studentid,attendancedate\n\n,U,x,9,1,2021-09-01"

    [record] = read(body.encode())

    assert (record["studentReference"], record["eventDate"]) == ({"studentUniqueId": "1"}, "2021-09-01")


def test_windows_1252_export_is_read_with_its_declared_charset():
    body = f"{HEADER}1,9,09/01/2021,E,,Fête\r\n".encode("cp1252")

    [record] = read(body, encoding="cp1252")

    assert record["attendanceEventReason"] == "Fête"


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"StudentID,SchoolID\n1,9\n", "AttendanceDate, AttendanceCode"),
    (HEADER.encode() + b'1,9,09/01/2021,U,,"open', "quoted"),
    (HEADER.encode() + b"1,9,09/01/2021,U,,\xff\n", "utf-8"),
])
def test_export_that_cannot_be_read_is_unreadable(body, reason):
    with pytest.raises(Unreadable, match=reason):
        read(body)
