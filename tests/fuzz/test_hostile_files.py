"""Hostile interchange files and CSV exports: refused whole, with a problem document naming what is wrong.

Each hostile part comes after more good records than the service writes in one batch, so a refusal
proves the batches already written were rolled back and nothing reached Kafka.
"""

from __future__ import annotations

import random
import re

import pytest

from rollcall_shared import topics
from tests.ingest.builders import DAILY_ELEMENT, ENTITY_BOMB, EXTERNAL_ENTITY, daily, interchange, path

pytestmark = pytest.mark.integration

GOOD = 600
"""Good records ahead of the hostile part: more than the ingest fixture's stream batch of 500."""
HEADER = "StudentID,SchoolID,AttendanceDate,AttendanceCode,MinutesAbsent,Reason\n"
MB = 1024 * 1024


def good_elements(count: int = GOOD) -> str:
    return "".join(DAILY_ELEMENT.replace(">1</StudentUniqueId>", f">{n}</StudentUniqueId>") for n in range(count))


def good_rows(count: int = GOOD) -> str:
    return "".join(f"{n},9,09/01/2021,U,,\n" for n in range(count))


def nested(tag: str, depth: int) -> str:
    return f"<{tag}>" * depth + f"</{tag}>" * depth


LAUGHS = "".join(f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 or "")) * 10}">' for n in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">{LAUGHS}]>
<InterchangeStudentAttendance xmlns="http://ed-fi.org/5.2.0">&lol9;</InterchangeStudentAttendance>"""
EXTERNAL_DTD = '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<InterchangeStudent/>'
PARAMETER_ENTITY = '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><InterchangeStudent/>'
GARBAGE = random.Random(7).randbytes(64 * 1024)

HOSTILE_XML = {
    "billion-laughs": (BILLION_LAUGHS.encode(), "DTD"),
    "external-entity": (EXTERNAL_ENTITY.encode(), "DTD"),
    "entity-bomb": (ENTITY_BOMB.encode(), "DTD"),
    "external-dtd": (EXTERNAL_DTD.encode(), "DTD"),
    "parameter-entity": (PARAMETER_ENTITY.encode(), "DTD"),
    "deep-in-a-record": (interchange(good_elements(), "<Student>" + nested("Name", 50_000) + "</Student>").encode(),
                         "deeper than 32"),
    "deep-in-an-ignored-element": (interchange(good_elements(), nested("Session", 50_000)).encode(), "deeper than 32"),
    "huge-attribute": (interchange(good_elements(), f'<Student id="{"x" * (3 * MB)}"/>').encode(), "runs on"),
    "huge-text": (interchange(good_elements(), f"<Student><StudentUniqueId>{'9' * (3 * MB)}</StudentUniqueId>"
                              "</Student>").encode(), "larger than"),
    "a-million-children": (interchange(good_elements(), "<Student>" + "<a/>" * 1_000_000 + "</Student>").encode(),
                           "larger than"),
    "endless-comment": (interchange(good_elements(), "<!--" + "x" * (3 * MB) + "-->").encode(), "runs on"),
    "thousands-of-element-kinds": (interchange(good_elements(), *(f"<Kind{n}/>" for n in range(1500))).encode(),
                                   "kinds of elements"),
    "latin-1-claimed-as-utf-8": (('<?xml version="1.0" encoding="UTF-8"?>' + interchange(
        good_elements(), "<Student><StudentUniqueId>Fête</StudentUniqueId></Student>")).encode("latin-1"),
        "not well-formed"),
    "unknown-declared-encoding": (b'<?xml version="1.0" encoding="x-klingon"?>' + interchange().encode(), "encoding"),
    "multi-byte-declared-encoding": (b'<?xml version="1.0" encoding="shift_jis"?>' + interchange().encode(),
                                     "encoding"),
    "binary-garbage": (GARBAGE, "not well-formed"),
    "cut-mid-element": (interchange(good_elements(), tail="<StudentSchoolAttendanceEvent><Attend").encode(),
                        "not well-formed"),
}  # fmt: skip

HOSTILE_CSV = {
    "huge-field": (HEADER + good_rows() + "1,9,09/01/2021,U,," + "x" * (3 * MB) + "\n", {}, 400, "longer than"),
    "huge-quoted-field": (HEADER + good_rows() + '1,9,09/01/2021,U,,"' + "x\n" * MB + '"\n', {}, 400, "longer than"),
    "unbalanced-quote": (HEADER + good_rows() + '1,9,09/01/2021,U,,"Bus\n' + good_rows(10), {}, 400, "quoted field"),
    "nul-bytes": (HEADER + good_rows() + "1,9,09/01/2021,U,,a\x00b\n", {}, 400, "NUL"),
    "semicolons": (HEADER.replace(",", ";") + good_rows().replace(",", ";"), {}, 400, "separated by commas"),
    "cut-mid-row": (HEADER + good_rows() + "7,9,09/0", {}, 400, "mid-row"),
    "bare-carriage-return": (HEADER + good_rows() + "1,9,09/01/2021,U\r,,\n", {}, 400, "not a CSV export"),
    "utf-16-without-bom": ((HEADER + good_rows()).encode("utf-16-le"), {}, 400, "NUL"),
    "latin-1-claimed-as-utf-8": ((HEADER + good_rows() + "1,9,09/01/2021,E,,Fête\n").encode("latin-1"),
                                 {"charset": "utf-8"}, 400, "not utf-8"),
    "binary-garbage": (GARBAGE, {}, 400, "not utf-8"),
    "compressed-charset": (HEADER + good_rows(), {"charset": "zlib"}, 415, "not a text encoding"),
    "rejections-past-the-limit": (HEADER + good_rows() + "x,9,not a date,Q,,\n" * 10_001, {}, 400,
                                  "more than 10,000 records were rejected"),
}  # fmt: skip


async def assert_refused_and_nothing_kept(ingest, district_id: str, answer, status: int, names: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == "application/problem+json"
    assert re.search(names, answer.json()["detail"]), answer.json()["detail"]
    assert "root:" not in answer.text
    assert await ingest.published(topics.ATTENDANCE, district_id) == []


@pytest.mark.parametrize("name", HOSTILE_XML)
async def test_hostile_interchange_is_refused_whole(ingest, district_id, name):
    body, names = HOSTILE_XML[name]

    answer = await ingest.post(
        f"/v1/districts/{district_id}/ed-fi/interchanges", content=body, headers={"content-type": "application/xml"}
    )

    await assert_refused_and_nothing_kept(ingest, district_id, answer, 400, names)


@pytest.mark.parametrize("name", HOSTILE_CSV)
async def test_hostile_export_is_refused_whole(ingest, district_id, name):
    body, parameters, status, names = HOSTILE_CSV[name]
    content_type = "; ".join(["text/csv", *(f"{key}={value}" for key, value in parameters.items())])

    answer = await ingest.post(
        f"/v1/districts/{district_id}/csv/daily-attendance?profile=generic-daily",
        content=body if isinstance(body, bytes) else body.encode(), headers={"content-type": content_type},
    )  # fmt: skip

    await assert_refused_and_nothing_kept(ingest, district_id, answer, status, names)


async def test_refused_file_leaves_its_good_records_to_be_sent_again(ingest, district_id):
    url = f"/v1/districts/{district_id}/csv/daily-attendance?profile=generic-daily"
    csv = {"content-type": "text/csv"}

    refused = await ingest.post(url, content=(HEADER + good_rows() + "7,9,09/0").encode(), headers=csv)
    again = await ingest.post(url, content=(HEADER + good_rows()).encode(), headers=csv)

    assert refused.status_code == 400
    assert (again.json()["accepted"], again.json()["duplicates"]) == (GOOD, 0)


async def test_utf_16_interchange_without_byte_order_mark_reads_like_utf_8(ingest, district_id):
    """XML names its encoding by its first bytes (XML 1.0, appendix F), so this one is readable, not hostile."""
    url = f"/v1/districts/{district_id}/ed-fi/interchanges"
    xml = {"content-type": "application/xml"}

    answer = await ingest.post(url, content=interchange(good_elements(3)).encode("utf-16-le"), headers=xml)
    same = await ingest.post(url, content=interchange(good_elements(3)).encode(), headers=xml)

    assert answer.json()["accepted"] == 3 and same.json()["duplicates"] == 3


@pytest.mark.parametrize("record, reason", [
    ('{"studentUniqueId": "1", "name": "a\\u0000b"}', "record: contains a NUL character"),
    ('{"studentUniqueId": "1", "nickname": "\\ud800"}', "record: contains a lone surrogate: not Unicode text"),
    ('{"studentUniqueId": "1", "x": ' + "[" * 800 + "]" * 800 + "}", "record: nested deeper than 16 levels"),
], ids=["nul", "lone-surrogate", "deep"])  # fmt: skip
async def test_roster_record_the_database_cannot_keep_is_rejected_alone(ingest, district_id, record, reason):
    answer = await ingest.post(f"/v1/districts/{district_id}/ed-fi/students",
                               content=f'[{record}, {{"studentUniqueId": "2"}}]', headers={"content-type": "application/json"})  # fmt: skip

    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert answer.json()["rejected"] == [{"index": 0, "errors": [reason]}]


async def test_attendance_reason_with_a_nul_character_is_rejected_alone(ingest, district_id):
    answer = await ingest.post(path(district_id, "studentSchoolAttendanceEvents"),
                               [daily("1", "2021-09-01", attendanceEventReason="bus\x00"), daily("2", "2021-09-01")])  # fmt: skip

    assert answer.json()["accepted"] == 1
    assert answer.json()["rejected"] == [{"index": 0, "errors": ["attendanceEventReason: contains a NUL character"]}]


async def test_json_number_past_python_s_digit_limit_is_refused_as_unreadable(ingest, district_id):
    answer = await ingest.post(f"/v1/districts/{district_id}/ed-fi/students", content=b'{"x": ' + b"9" * 5000 + b"}",
                               headers={"content-type": "application/json"})  # fmt: skip

    assert answer.status_code == 400 and answer.json()["detail"].startswith("not JSON")
