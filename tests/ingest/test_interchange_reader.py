"""The streamed Ed-Fi XML reader (no I/O beyond the sample files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.edfi.errors import Unreadable
from ingest.edfi.interchange import InterchangeReader
from tests.ingest.conftest import GRAND_BEND
from tests.ingest.builders import DAILY_ELEMENT, ENTITY_BOMB, EXTERNAL_ENTITY, interchange


def read(body: bytes, chunk_size: int = 4096) -> tuple[list[tuple[str, dict]], dict[str, int]]:
    reader = InterchangeReader()
    records = []
    for start in range(0, len(body), chunk_size):
        records += reader.feed(body[start : start + chunk_size])
    return records + reader.close(), reader.ignored


def test_daily_attendance_element_reads_as_the_ed_fi_json_shape():
    [(resource, record)], _ = read(interchange(DAILY_ELEMENT).encode())

    assert resource == "studentSchoolAttendanceEvents"
    assert record == {
        "studentReference": {"studentUniqueId": "1"},
        "schoolReference": {"schoolId": "9"},
        "eventDate": "2021-09-01",
        "attendanceEventCategoryDescriptor": "Unexcused Absence",
    }


@pytest.mark.parametrize("chunk_size", [1, 7, 65536])
def test_records_do_not_depend_on_how_the_body_is_cut(chunk_size):
    body = (Path(GRAND_BEND) / "StudentSectionAttendance-Tardy.xml").read_bytes()

    records, _ = read(body, chunk_size)

    assert len(records) == 66
    assert records[0][1]["sectionReference"] == {
        "localCourseCode": "MATH-03", "schoolId": "255901107", "schoolYear": "2021-2022",
        "sectionIdentifier": "25590110702Trad201MATH0322011", "sessionName": "2021-2022 Spring Semester",
    }


def test_contact_associations_resolve_contacts_referenced_by_id():
    records, ignored = read((Path(GRAND_BEND) / "Contact.xml").read_bytes(), 65536)

    links = [record for resource, record in records if resource == "studentContactAssociations"]
    assert len(links) == 1872 and ignored == {"Person": 1}
    assert links[0]["studentReference"] == {"studentUniqueId": "604821"}
    assert links[0]["contactReference"] == {"contactUniqueId": "778393"}


def test_missing_element_reads_as_a_missing_field():
    element = DAILY_ELEMENT.replace("<EventDate>2021-09-01</EventDate>", "<EventDate> </EventDate>")

    [(_, record)], _ = read(interchange(element).encode())

    assert "eventDate" not in record


@pytest.mark.parametrize("body", [ENTITY_BOMB, EXTERNAL_ENTITY], ids=["entity-bomb", "external-entity"])
def test_doctype_is_refused_before_any_entity_is_expanded(body):
    with pytest.raises(Unreadable, match="DTD"):
        read(body.encode())


@pytest.mark.parametrize("body, reason", [
    ("", "empty"),
    ("<Interchange>", "not an Ed-Fi interchange"),
    ('<InterchangeStudent xmlns="http://ed-fi.org/5.2.0"><Student>', "not well-formed"),
    ('<Student xmlns="http://ed-fi.org/5.2.0"/>', "not an Ed-Fi interchange"),
])
def test_body_that_is_not_an_interchange_is_unreadable(body, reason):
    with pytest.raises(Unreadable, match=reason):
        read(body.encode())
