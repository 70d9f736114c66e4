"""Student groups: Ed-Fi education organization and program associations become one whole picture per student."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollcall_shared import topics

from ingest.edfi.resources import StudentEducationOrganizationAssociation, StudentProgramAssociation
from ingest.groups.service import race_ethnicity, student_groups
from tests.ingest.builders import enrollment, path

DISTRICT_EDORG = 255901
SCHOOL = 255901001


def descriptor(kind: str, value: str) -> str:
    return f"uri://ed-fi.org/{kind}Descriptor#{value}"


def association(student: str, organization: int = DISTRICT_EDORG, **fields: Any) -> dict[str, Any]:
    """A StudentEducationOrganizationAssociation."""
    return {
        "studentReference": {"studentUniqueId": student},
        "educationOrganizationReference": {"educationOrganizationId": organization},
        **fields,
    }


def characteristic(value: str, *periods: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "studentCharacteristicDescriptor": descriptor("StudentCharacteristic", value),
        "periods": [{"beginDate": begin, **({"endDate": end} if end else {})} for begin, end in periods],
    }


def program(student: str, name: str, begin: str, end: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """Any student program association; `kind` is its ProgramTypeDescriptor value (the name by default)."""
    return {
        "studentReference": {"studentUniqueId": student},
        "educationOrganizationReference": {"educationOrganizationId": DISTRICT_EDORG},
        "programReference": {
            "educationOrganizationId": DISTRICT_EDORG,
            "programName": name,
            "programTypeDescriptor": descriptor("ProgramType", kind or name),
        },
        "beginDate": begin,
        **({"endDate": end} if end else {}),
    }


def period(group: str, begin: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"group": group, "beginDate": begin, "endDate": end}


async def groups_published(ingest, district_id: str) -> list[dict[str, Any]]:
    events = await ingest.published(topics.ATTENDANCE, district_id)
    return [event for _, event in events if event["type"] == "student.groups-recorded"]


# What the groups are made of (no I/O)


def groups_of(*sources: StudentEducationOrganizationAssociation | StudentProgramAssociation) -> dict[str, Any]:
    event = student_groups(sources, district_id="d1", student_id="1", now=datetime.now(UTC))
    return event.model_dump(mode="json", by_alias=True, include={"sex", "race_ethnicity", "groups"})


@pytest.mark.parametrize(("hispanic", "races", "expected"), [
    (True, ["White", "Black - African American"], "Hispanic or Latino"),
    (False, ["Asian"], "Asian"),
    (None, ["White", "White"], "White"),
    (False, ["White", "Asian"], "Two or more races"),
    (True, [], "Hispanic or Latino"),
    (False, [], None),
])  # fmt: skip
def test_race_and_ethnicity_is_hispanic_first_then_the_one_race_then_two_or_more(hispanic, races, expected):
    record = StudentEducationOrganizationAssociation.model_validate(association(
        "1", hispanicLatinoEthnicity=hispanic, races=[{"raceDescriptor": descriptor("Race", race)} for race in races]
    ))

    assert race_ethnicity(record) == expected


@pytest.mark.parametrize(("proficiency", "learner"), [
    ("Limited", True), ("Limited Monitored 1", True), ("Limited Monitored 2", True),
    ("NotLimited", False), ("Not Limited", False), ("notlimited", False), (None, False),
])  # fmt: skip
def test_every_limited_english_proficiency_but_not_limited_is_an_english_learner(proficiency, learner):
    fields = {"limitedEnglishProficiencyDescriptor": descriptor("LimitedEnglishProficiency", proficiency)}
    record = StudentEducationOrganizationAssociation.model_validate(association("1", **(fields if proficiency else {})))

    assert groups_of(record)["groups"] == ([period("english-learner")] if learner else [])


def test_a_generic_program_is_foster_care_only_when_its_name_or_type_says_so():
    by_type = program("1", "Family Services", "2021-09-01", kind="Foster Care")
    by_name = program("1", "foster youth support", "2021-10-01", kind="Other")
    tutoring = program("1", "After School Tutoring", "2021-09-01")

    records = (StudentProgramAssociation.model_validate(each) for each in (by_type, by_name, tutoring))
    assert groups_of(*records)["groups"] == [
        period("foster-care", "2021-09-01"), period("foster-care", "2021-10-01"),
    ]


def test_sex_and_race_come_from_the_first_education_organization_by_id_that_states_them():
    silent = association("1", 100)
    school = association("1", 300, sexDescriptor="Male", races=[{"raceDescriptor": "Asian"}])
    district = association("1", 200, sexDescriptor="Female")

    got = groups_of(*map(StudentEducationOrganizationAssociation.model_validate, (school, silent, district)))

    assert (got["sex"], got["raceEthnicity"]) == ("Female", "Asian")


# Through the API, to Kafka


@pytest.mark.integration
async def test_each_change_publishes_the_students_whole_picture(ingest, district_id):
    seoa = association(
        "604822",
        sexDescriptor=descriptor("Sex", "Female"),
        hispanicLatinoEthnicity=False,
        races=[{"raceDescriptor": descriptor("Race", "White")}, {"raceDescriptor": descriptor("Race", "Asian")}],
        limitedEnglishProficiencyDescriptor=descriptor("LimitedEnglishProficiency", "Limited"),
        studentCharacteristics=[
            characteristic("Economic Disadvantaged", ("2021-08-23", "2021-12-17"), ("2022-01-04", None)),
            characteristic("Homeless"),
            characteristic("Immigrant", ("2021-08-23", None)),
        ],
        addresses=[{"streetNumberName": "1 Main Street", "city": "Grand Bend"}],
    )
    posts = [
        ("studentEducationOrganizationAssociations", seoa),
        ("studentSpecialEducationProgramAssociations", program("604822", "Special Education", "2021-09-01")),
        ("studentSchoolFoodServiceProgramAssociations",
         program("604822", "Child Nutrition", "2021-08-23", "2022-05-27")),
        ("studentHomelessProgramAssociations", program("604822", "Homeless", "2021-10-04", "2021-11-30")),
        ("studentProgramAssociations", program("604822", "Foster Care", "2022-02-01")),
        ("studentProgramAssociations", program("604822", "After School Tutoring", "2021-09-01")),
    ]  # fmt: skip

    for resource, record in posts:
        answer = await ingest.post(path(district_id, resource), [record])
        assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}, resource

    published = await groups_published(ingest, district_id)
    assert len(published) == len(posts), "one event per accepted change"
    assert [len(event["groups"]) for event in published] == [4, 5, 6, 7, 8, 8]
    latest = published[-1]
    assert {name: latest[name] for name in ("districtId", "studentId", "sex", "raceEthnicity", "version")} == {
        "districtId": district_id, "studentId": "604822", "sex": "Female", "raceEthnicity": "Two or more races",
        "version": 1,
    }
    assert set(latest) == {
        "eventId", "type", "version", "recordedAt", "districtId", "studentId", "sex", "raceEthnicity", "groups"
    }
    assert latest["groups"] == [
        period("economically-disadvantaged", "2021-08-23", "2021-12-17"),
        period("economically-disadvantaged", "2021-08-23", "2022-05-27"),
        period("economically-disadvantaged", "2022-01-04"),
        period("english-learner"),
        period("foster-care", "2022-02-01"),
        period("homeless"),
        period("homeless", "2021-10-04", "2021-11-30"),
        period("special-education", "2021-09-01"),
    ]


@pytest.mark.integration
async def test_a_correction_replaces_the_picture_and_an_identical_repeat_publishes_nothing(ingest, district_id):
    url = path(district_id, "studentEducationOrganizationAssociations")
    learner = association("7", limitedEnglishProficiencyDescriptor="Limited")

    first = await ingest.post(url, learner)
    repeat = await ingest.post(url, learner)
    corrected = await ingest.post(url, learner | {"limitedEnglishProficiencyDescriptor": "NotLimited"})

    assert [answer.json()["accepted"] for answer in (first, repeat, corrected)] == [1, 0, 1]
    assert repeat.json()["duplicates"] == 1
    published = await groups_published(ingest, district_id)
    assert [(event["studentId"], event["groups"]) for event in published] == [
        ("7", [period("english-learner")]),
        ("7", []),
    ]


@pytest.mark.integration
async def test_a_batch_touching_a_student_several_times_publishes_once_per_student(ingest, district_id):
    body = [
        program("1", "Special Education", "2021-09-01"),
        program("1", "Special Education", "2021-09-01", "2021-12-17"),
        program("1", "Special Education", "2022-01-04"),
        program("2", "Special Education", "2021-09-01"),
        program("2", "Special Education", "2021-09-01"),
    ]

    answer = await ingest.post(path(district_id, "studentSpecialEducationProgramAssociations"), body)

    assert answer.json() == {"accepted": 4, "duplicates": 1, "rejected": []}
    published = await groups_published(ingest, district_id)
    assert sorted((event["studentId"], event["groups"]) for event in published) == [
        ("1", [period("special-education", "2021-09-01", "2021-12-17"), period("special-education", "2022-01-04")]),
        ("2", [period("special-education", "2021-09-01")]),
    ]


@pytest.mark.integration
async def test_rejected_records_are_named_with_every_reason_and_the_others_kept(ingest, district_id):
    missing_student = association("1")
    del missing_student["studentReference"]
    body = [
        association("1", sexDescriptor=descriptor("Race", "White")),
        missing_student,
        association("2", hispanicLatinoEthnicity="perhaps", studentCharacteristics=[
            characteristic("Homeless", ("2021-09-01", "2021-08-01")),
        ]),
        association("3", sexDescriptor="Female"),
    ]
    programs = [program("4", "Homeless", "2021-09-01", "2021-08-31"), program("4", "Homeless", "someday")]
    del programs[1]["programReference"]["programName"]

    answer = await ingest.post(path(district_id, "studentEducationOrganizationAssociations"), body)
    programs_answer = await ingest.post(path(district_id, "studentHomelessProgramAssociations"), programs)

    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": [
        {"index": 0, "errors": ["sexDescriptor: not a sex"]},
        {"index": 1, "errors": ["studentReference: required"]},
        {"index": 2, "errors": ["hispanicLatinoEthnicity: not true or false", "endDate: before beginDate"]},
    ]}  # fmt: skip
    assert programs_answer.json() == {"accepted": 0, "duplicates": 0, "rejected": [
        {"index": 0, "errors": ["endDate: before beginDate"]},
        {"index": 1, "errors": ["beginDate: not a date", "programReference.programName: required"]},
    ]}  # fmt: skip
    assert [event["studentId"] for event in await groups_published(ingest, district_id)] == ["3"]


@pytest.mark.integration
async def test_enrollment_carries_its_entry_grade_level(ingest, district_id):
    url = path(district_id, "studentSchoolAssociations")
    ninth = enrollment("1", "9", "2021-08-23") | {"entryGradeLevelDescriptor": descriptor("GradeLevel", "Ninth grade")}
    bare = enrollment("2", "9", "2021-08-23") | {"entryGradeLevelDescriptor": "Kindergarten"}
    other_kind = enrollment("4", "9", "2021-08-23") | {"entryGradeLevelDescriptor": descriptor("Sex", "Female")}

    answer = await ingest.post(url, [ninth, bare, enrollment("3", "9", "2021-08-23"), other_kind])
    repeat = await ingest.post(url, [ninth, enrollment("3", "9", "2021-08-23")])
    promoted = await ingest.post(url, ninth | {"entryGradeLevelDescriptor": "Tenth grade"})

    assert answer.json() == {"accepted": 3, "duplicates": 0, "rejected": [
        {"index": 3, "errors": ["entryGradeLevelDescriptor: not a grade level"]},
    ]}  # fmt: skip
    assert (repeat.json()["duplicates"], promoted.json()["accepted"]) == (2, 1)
    grade_levels: dict[str, list[str | None]] = {}
    for _, event in await ingest.published(topics.ATTENDANCE, district_id):
        grade_levels.setdefault(event["studentId"], []).append(event["gradeLevel"])
    assert grade_levels == {"1": ["Ninth grade", "Tenth grade"], "2": ["Kindergarten"], "3": [None]}
