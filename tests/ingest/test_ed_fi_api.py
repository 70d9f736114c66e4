"""POSTs of Ed-Fi JSON resources: what is kept, what is a duplicate, what reaches Kafka."""

from __future__ import annotations

import json

import pytest

from rollcall_shared import topics

from tests.ingest.builders import daily, path

pytestmark = pytest.mark.integration

async def test_batch_keeps_good_records_and_names_every_reason_of_bad_ones(ingest, district_id):
    bad = {"studentReference": {}, "eventDate": "2021-13-01", "attendanceEventCategoryDescriptor": "Asleep"}
    body = [daily("1", "2021-09-01"), bad, daily("2", "2021-09-01", "Tardy", schoolAttendanceDuration=-5), 7]

    answer = await ingest.post(path(district_id, "studentSchoolAttendanceEvents"), body)

    assert answer.status_code == 200
    assert answer.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [
            {"index": 1, "errors": [
                "studentReference.studentUniqueId: required",
                "eventDate: not a date",
                "attendanceEventCategoryDescriptor: not an attendance event category",
                "schoolReference: required",
            ]},
            {"index": 2, "errors": ["schoolAttendanceDuration: must be at least 0"]},
            {"index": 3, "errors": ["record: not an object"]},
        ],
    }


async def test_one_resource_without_an_array_is_accepted(ingest, district_id):
    answer = await ingest.post(path(district_id, "studentSchoolAttendanceEvents"), daily("1", "2021-09-01"))

    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}


async def test_correction_is_published_and_identical_repeat_is_a_duplicate(ingest, district_id):
    url = path(district_id, "studentSchoolAttendanceEvents")
    first = await ingest.post(url, [daily("604822", "2021-09-01", "Unexcused Absence")])
    correction = await ingest.post(url, [daily("604822", "2021-09-01", "Excused Absence")])
    repeat = await ingest.post(url, [daily("604822", "2021-09-01", "Excused Absence")])

    assert first.json()["accepted"] == 1
    assert correction.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert repeat.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert [(key, event["category"]) for key, event in events] == [
        (f"{district_id}:604822", "Unexcused Absence"),
        (f"{district_id}:604822", "Excused Absence"),
    ]


async def test_same_key_twice_in_one_batch_applies_in_order(ingest, district_id):
    url = path(district_id, "studentSchoolAttendanceEvents")
    body = [
        daily("7", "2021-09-01", "Unexcused Absence"),
        daily("7", "2021-09-01", "Unexcused Absence"),
        daily("7", "2021-09-01", "Tardy", schoolAttendanceDuration=40),
        daily("7", "2021-09-01", "Unexcused Absence"),
    ]

    answer = await ingest.post(url, body)
    again = await ingest.post(url, body[-1])

    assert answer.json() == {"accepted": 3, "duplicates": 1, "rejected": []}
    assert again.json()["duplicates"] == 1
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert [(event["category"], event["minutes"]) for _, event in events] == [
        ("Unexcused Absence", None),
        ("Tardy", 40),
        ("Unexcused Absence", None),
    ]


async def test_events_for_each_student_arrive_in_the_order_sent(ingest, district_id):
    days = [f"2021-09-{day:02d}" for day in range(1, 29)]
    body = [daily(str(student), day) for day in days for student in range(40)]

    answer = await ingest.post(path(district_id, "studentSchoolAttendanceEvents"), body)

    assert answer.json()["accepted"] == len(body)
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert len(events) == len(body)
    for student in range(40):
        dates = [event["date"] for key, event in events if key == f"{district_id}:{student}"]
        assert dates == days


async def test_section_attendance_is_keyed_by_a_stable_section_id(ingest, district_id):
    section = {
        "localCourseCode": "MATH-03",
        "schoolId": 255901107,
        "schoolYear": 2022,
        "sectionIdentifier": "25590110702Trad201MATH0322011",
        "sessionName": "2021-2022 Spring Semester",
    }
    record = {
        "studentReference": {"studentUniqueId": "604945"},
        "sectionReference": section,
        "eventDate": "2022-03-07",
        "attendanceEventCategoryDescriptor": "Tardy",
        "sectionAttendanceDuration": 5,
    }
    url = path(district_id, "studentSectionAttendanceEvents")

    first = await ingest.post(url, record)
    same_section = await ingest.post(url, record | {"sectionReference": section | {"schoolYear": "2021-2022"}})

    assert first.json()["accepted"] == 1
    assert same_section.json()["duplicates"] == 1
    [(key, event)] = await ingest.published(topics.ATTENDANCE, district_id)
    assert event["type"] == "attendance.section-recorded"
    assert event["sectionId"] == "255901107/2022/2021-2022 Spring Semester/MATH-03/25590110702Trad201MATH0322011"
    assert (event["schoolId"], event["minutes"]) == ("255901107", 5)


async def test_roster_changes_reach_kafka_as_identifiers_only(ingest, district_id):
    contact = {"contactUniqueId": "778393", "firstName": "Carmen", "lastSurname": "Dyer",
               "electronicMails": [{"electronicMailAddress": "carmen@example.org"}],
               "telephones": [{"telephoneNumber": "(950) 342-7522"}],
               "addresses": [{"streetNumberName": "263 New Street", "city": "Grand Bend", "postalCode": "78834"}]}
    link = {"studentReference": {"studentUniqueId": "604821"}, "contactReference": {"contactUniqueId": "778393"}}

    students = await ingest.post(path(district_id, "students"), {"studentUniqueId": "604821", "firstName": "Ty"})
    contacts = await ingest.post(path(district_id, "contacts"), contact)
    links = await ingest.post(path(district_id, "studentContactAssociations"), link)

    assert [r.json()["accepted"] for r in (students, contacts, links)] == [1, 1, 1]
    events = await ingest.published(topics.ROSTER, district_id)
    assert [(key, e["resource"], e["studentId"], e["contactId"]) for key, e in events] == [
        (district_id, "student", "604821", None),
        (district_id, "contact", None, "778393"),
        (district_id, "studentContactAssociation", "604821", "778393"),
    ]
    assert {name for _, e in events for name in e} <= {
        "eventId", "type", "version", "districtId", "recordedAt", "resource", "studentId", "contactId"
    }
    published = json.dumps(events)
    for detail in ("Carmen", "Dyer", "example.org", "342-7522", "3427522", "263 New Street", "Grand Bend", '"Ty"'):
        assert detail not in published
