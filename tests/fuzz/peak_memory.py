"""Feeds one reader a generated 200 MB body, 64 KiB at a time, and prints what came of it and how far the
process's peak memory grew meanwhile: `python -m tests.fuzz.peak_memory csv-rows`.

Run as a process of its own, so the peak is the reader's alone.
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Callable, Iterator

from ingest.edfi.errors import Unreadable
from ingest.edfi.interchange import InterchangeReader
from ingest.exports.profiles import PROFILES
from ingest.exports.reader import ExportReader

TOTAL = 200 * 1024 * 1024
CHUNK = 64 * 1024
HEADER = b"StudentID,SchoolID,AttendanceDate,AttendanceCode,MinutesAbsent,Reason\n"
ROOT = b'<InterchangeStudentAttendance xmlns="http://ed-fi.org/5.2.0">'
FAT_ROW = b"1,9,09/01/2021,E,," + b"r" * 16_000 + b"\n"
FAT_ELEMENT = (b"<StudentSchoolAttendanceEvent><AttendanceEvent><EventDate>2021-09-01</EventDate>"
               b"<AttendanceEventCategory>Excused Absence</AttendanceEventCategory><AttendanceEventReason>"
               + b"r" * 16_000 + b"</AttendanceEventReason></AttendanceEvent><StudentReference><StudentIdentity>"
               b"<StudentUniqueId>1</StudentUniqueId></StudentIdentity></StudentReference>"
               b"</StudentSchoolAttendanceEvent>")  # fmt: skip


def body(head: bytes, repeated: bytes, tail: bytes = b"") -> Iterator[bytes]:
    """`head`, then `repeated` over and over up to about 200 MB, then `tail`, in chunks of about 64 KiB."""
    block = repeated * max(1, CHUNK // len(repeated))
    yield head
    for _ in range(TOTAL // len(block)):
        yield block
    yield tail


BODIES: dict[str, Callable[[], tuple[ExportReader | InterchangeReader, Iterator[bytes]]]] = {
    "csv-rows": lambda: (ExportReader(PROFILES["generic-daily"]), body(HEADER, FAT_ROW)),
    "csv-open-quote": lambda: (ExportReader(PROFILES["generic-daily"]), body(HEADER + b'1,9,09/01/2021,U,,"', b"x\n")),
    "csv-no-line-break": lambda: (ExportReader(PROFILES["generic-daily"]), body(HEADER, b"x,")),
    "xml-records": lambda: (InterchangeReader(), body(ROOT, FAT_ELEMENT, b"</InterchangeStudentAttendance>")),
    "xml-ignored-text": lambda: (InterchangeReader(), body(ROOT + b"<Session>", b"words ", b"</Session></Interchange"
                                                                                          b"StudentAttendance>")),
    "xml-endless-attribute": lambda: (InterchangeReader(), body(ROOT + b'<Student id="', b"x")),
}  # fmt: skip


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(kind: str) -> None:
    reader, chunks = BODIES[kind]()
    fed = records = 0
    baseline = peak_kib()
    try:
        for chunk in chunks:
            fed += len(chunk)
            records += len(reader.feed(chunk))
        records += len(reader.close())
        outcome = f"read {records} records"
    except Unreadable as error:
        outcome = f"refused: {error}"
    print(json.dumps({"outcome": outcome, "fed": fed, "growth_mib": (peak_kib() - baseline) / 1024}))


if __name__ == "__main__":
    main(sys.argv[1])
