"""A body that cannot be read is refused whole with a problem document, and nothing of it is kept."""

from __future__ import annotations

import pytest

from tests.ingest.builders import (
    DAILY_ELEMENT,
    ENTITY_BOMB,
    EXTERNAL_ENTITY,
    daily,
    interchange,
    path,
)

pytestmark = pytest.mark.integration

XML = {"content-type": "application/xml"}


def assert_problem(answer, status: int) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == status and answer.json()["detail"]


async def test_body_that_is_not_json_is_refused(ingest, district_id):
    answer = await ingest.post(
        path(district_id, "studentSchoolAttendanceEvents"),
        content=b'[{"eventDate": ', headers={"content-type": "application/json"},
    )

    assert_problem(answer, 400)
    assert answer.json()["detail"].startswith("not JSON")


async def test_json_scalar_is_refused(ingest, district_id):
    assert_problem(await ingest.post(path(district_id, "students"), "604821"), 400)


async def test_wrong_content_type_is_refused(ingest, district_id):
    answer = await ingest.post(path(district_id, "students"), content=b"{}", headers={"content-type": "text/plain"})

    assert_problem(answer, 415)


async def test_more_than_ten_thousand_records_are_refused_whole(ingest, district_id):
    url = path(district_id, "studentSchoolAttendanceEvents")

    answer = await ingest.post(url, [{}] * 10_000 + [daily("1", "2021-09-01")])
    after = await ingest.post(url, daily("1", "2021-09-01"))

    assert_problem(answer, 413)
    assert after.json()["accepted"] == 1


async def test_body_over_the_size_limit_is_refused(ingest, district_id):
    body = b'"' + b"x" * (3 * 1024 * 1024) + b'"'

    answer = await ingest.post(
        path(district_id, "students"), content=body, headers={"content-type": "application/json"}
    )

    assert_problem(answer, 413)


async def test_district_id_outside_the_allowed_characters_is_refused(ingest):
    for district_id in ("d" * 65, "north%20side", "d.1"):
        assert_problem(await ingest.post(path(district_id, "students"), {"studentUniqueId": "1"}), 422)


@pytest.mark.parametrize("document", [ENTITY_BOMB, EXTERNAL_ENTITY], ids=["entity-bomb", "external-entity"])
async def test_xml_with_a_doctype_is_refused(ingest, district_id, document):
    answer = await ingest.post(f"/v1/districts/{district_id}/ed-fi/interchanges", content=document, headers=XML)

    assert_problem(answer, 400)
    assert "DTD" in answer.json()["detail"]


async def test_xml_that_is_not_an_ed_fi_interchange_is_refused(ingest, district_id):
    answer = await ingest.post(
        f"/v1/districts/{district_id}/ed-fi/interchanges", content="<html><body/></html>", headers=XML
    )

    assert_problem(answer, 400)


async def test_interchange_cut_short_is_refused_and_its_good_records_are_not_kept(ingest, district_id):
    url = f"/v1/districts/{district_id}/ed-fi/interchanges"

    broken = await ingest.post(url, content=interchange(DAILY_ELEMENT, tail="<Student"), headers=XML)
    whole = await ingest.post(url, content=interchange(DAILY_ELEMENT), headers=XML)

    assert_problem(broken, 400)
    assert whole.json()["accepted"] == 1


async def test_csv_export_missing_a_required_column_is_refused(ingest, district_id):
    answer = await ingest.post(
        f"/v1/districts/{district_id}/csv/daily-attendance?profile=generic-daily",
        content="StudentID,AttendanceDate\n1,09/01/2021\n", headers={"content-type": "text/csv"},
    )

    assert_problem(answer, 400)
    assert "SchoolID" in answer.json()["detail"]


async def test_unknown_csv_profile_is_refused(ingest, district_id):
    answer = await ingest.post(
        f"/v1/districts/{district_id}/csv/daily-attendance?profile=nope",
        content="a\n", headers={"content-type": "text/csv"},
    )

    assert_problem(answer, 422)
