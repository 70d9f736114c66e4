"""Student groups and grade levels from Ed-Fi XML interchanges: read as the API's JSON, published as one picture."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rollcall_shared import topics

from ingest.groups.models import GroupedStudent

from tests.ingest.test_groups import descriptor, groups_published, period
from tests.ingest.test_interchange_reader import read
from tests.support.stored import plaintext_in, stored_bytes

STUDENT = "<StudentReference><StudentIdentity><StudentUniqueId>{}</StudentUniqueId></StudentIdentity>" \
    "</StudentReference>"
ORGANIZATION = """<EducationOrganizationReference><EducationOrganizationIdentity>
  <EducationOrganizationId>255901</EducationOrganizationId></EducationOrganizationIdentity>
</EducationOrganizationReference>"""
ENROLLMENT = f"""<StudentSchoolAssociation>{STUDENT.format(604822)}
  <SchoolReference><SchoolIdentity><SchoolId>255901001</SchoolId></SchoolIdentity></SchoolReference>
  <EntryDate>2021-08-23</EntryDate><EntryGradeLevel>uri://ed-fi.org/GradeLevelDescriptor#Ninth grade</EntryGradeLevel>
</StudentSchoolAssociation>"""
ASSOCIATION = f"""<StudentEducationOrganizationAssociation>{STUDENT.format(604822)}{ORGANIZATION}
  <Sex>uri://ed-fi.org/SexDescriptor#Female</Sex>
  <Address><StreetNumberName>1 Main Street</StreetNumberName><City>Grand Bend</City></Address>
  <HispanicLatinoEthnicity>false</HispanicLatinoEthnicity>
  <Race>uri://ed-fi.org/RaceDescriptor#Asian</Race>
  <StudentCharacteristic>
    <StudentCharacteristic>
      uri://ed-fi.org/StudentCharacteristicDescriptor#Economic Disadvantaged</StudentCharacteristic>
    <Period><BeginDate>2021-08-23</BeginDate><EndDate>2021-12-17</EndDate></Period>
  </StudentCharacteristic>
  <StudentCharacteristic>
    <StudentCharacteristic>uri://ed-fi.org/StudentCharacteristicDescriptor#Foster Care</StudentCharacteristic>
  </StudentCharacteristic>
  <LimitedEnglishProficiency>uri://ed-fi.org/LimitedEnglishProficiencyDescriptor#Limited</LimitedEnglishProficiency>
</StudentEducationOrganizationAssociation>"""

AT_SCHOOL = f"""<StudentEducationOrganizationAssociation>{STUDENT.format(604822)}
  <EducationOrganizationReference><EducationOrganizationIdentity>
    <EducationOrganizationId>255901001</EducationOrganizationId></EducationOrganizationIdentity>
  </EducationOrganizationReference>
  <Sex>Male</Sex><Race>White</Race>
</StudentEducationOrganizationAssociation>"""
"""What the student's school has on file; the district's association, of the lower id, comes first."""


def program_element(element: str, name: str, kind: str, begin: str, end: str = "") -> str:
    return f"""<{element}>{STUDENT.format(604822)}{ORGANIZATION}
  <ProgramReference><ProgramIdentity>{ORGANIZATION}<ProgramName>{name}</ProgramName>
    <ProgramType>uri://ed-fi.org/ProgramTypeDescriptor#{kind}</ProgramType></ProgramIdentity></ProgramReference>
  <BeginDate>{begin}</BeginDate>{f"<EndDate>{end}</EndDate>" if end else ""}
</{element}>"""


PROGRAMS = (
    program_element("StudentSpecialEducationProgramAssociation", "Special Education", "Special Education",
                    "2021-09-01", "2022-05-27")
    + program_element("StudentSchoolFoodServiceProgramAssociation", "Child Nutrition", "Other", "2021-08-23")
    + program_element("StudentHomelessProgramAssociation", "Homeless", "Homeless", "2021-10-04")
    + program_element("StudentProgramAssociation", "Foster Care Liaison", "Other", "2022-02-01")
    + program_element("StudentProgramAssociation", "Tutoring", "Other", "2022-02-01")
)  # fmt: skip


GROUPS_AT_REST = ("Female", "Asian", "White", "Economic", "Foster", "Limited", "Special", "Nutrition", "Homeless",
                  "FoodService", "Tutoring", "2021-10-04")  # fmt: skip
"""What the stored rows must not show: the groups, the programs, even which resources a student has."""


def interchange(name: str, *elements: str) -> bytes:
    return f'<Interchange{name} xmlns="http://ed-fi.org/5.2.0">{"".join(elements)}</Interchange{name}>'.encode()


def test_education_organization_association_reads_as_the_api_has_it():
    [(resource, record)], _ = read(interchange("StudentEnrollment", ASSOCIATION))

    assert resource == "studentEducationOrganizationAssociations"
    assert record == {
        "studentReference": {"studentUniqueId": "604822"},
        "educationOrganizationReference": {"educationOrganizationId": "255901"},
        "sexDescriptor": descriptor("Sex", "Female"),
        "addresses": [{"streetNumberName": "1 Main Street", "city": "Grand Bend"}],
        "hispanicLatinoEthnicity": "false",
        "races": [{"raceDescriptor": descriptor("Race", "Asian")}],
        "studentCharacteristics": [
            {"studentCharacteristicDescriptor": descriptor("StudentCharacteristic", "Economic Disadvantaged"),
             "periods": [{"beginDate": "2021-08-23", "endDate": "2021-12-17"}]},
            {"studentCharacteristicDescriptor": descriptor("StudentCharacteristic", "Foster Care")},
        ],
        "limitedEnglishProficiencyDescriptor": descriptor("LimitedEnglishProficiency", "Limited"),
    }  # fmt: skip


def test_program_associations_read_with_the_programs_organization_on_its_reference():
    records, _ = read(interchange("StudentProgram", PROGRAMS))

    assert [resource for resource, _ in records] == [
        "studentSpecialEducationProgramAssociations", "studentSchoolFoodServiceProgramAssociations",
        "studentHomelessProgramAssociations", "studentProgramAssociations", "studentProgramAssociations",
    ]  # fmt: skip
    assert records[0][1] == {
        "studentReference": {"studentUniqueId": "604822"},
        "educationOrganizationReference": {"educationOrganizationId": "255901"},
        "programReference": {
            "educationOrganizationId": "255901",
            "programName": "Special Education",
            "programTypeDescriptor": descriptor("ProgramType", "Special Education"),
        },
        "beginDate": "2021-09-01",
        "endDate": "2022-05-27",
    }


def test_enrollment_reads_its_entry_grade_level():
    [(_, record)], _ = read(interchange("StudentEnrollment", ENROLLMENT))

    assert record["entryGradeLevelDescriptor"] == descriptor("GradeLevel", "Ninth grade")


@pytest.mark.integration
async def test_interchanges_publish_grade_levels_and_one_whole_picture_per_student_and_file(ingest, district_id):
    enrollment_file = await ingest.post(
        f"/v1/districts/{district_id}/ed-fi/interchanges",
        content=interchange("StudentEnrollment", ENROLLMENT, ASSOCIATION),
        headers={"content-type": "application/xml"},
    )
    program_file = await ingest.post(
        f"/v1/districts/{district_id}/ed-fi/interchanges",
        content=interchange("StudentProgram", ASSOCIATION, AT_SCHOOL, PROGRAMS),
        headers={"content-type": "application/xml"},
    )

    assert enrollment_file.json()["resources"] == {
        "studentSchoolAssociations": {"accepted": 1, "duplicates": 0, "rejected": 0},
        "studentEducationOrganizationAssociations": {"accepted": 1, "duplicates": 0, "rejected": 0},
    }
    assert program_file.json()["resources"] == {
        "studentEducationOrganizationAssociations": {"accepted": 1, "duplicates": 1, "rejected": 0},
        "studentSpecialEducationProgramAssociations": {"accepted": 1, "duplicates": 0, "rejected": 0},
        "studentSchoolFoodServiceProgramAssociations": {"accepted": 1, "duplicates": 0, "rejected": 0},
        "studentHomelessProgramAssociations": {"accepted": 1, "duplicates": 0, "rejected": 0},
        "studentProgramAssociations": {"accepted": 2, "duplicates": 0, "rejected": 0},
    }
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert [event["gradeLevel"] for _, event in events if event["type"] == "enrollment.recorded"] == ["Ninth grade"]
    async with ingest.app.state.runtime.database.transaction() as session:
        held = (await session.scalars(select(GroupedStudent.documents).filter_by(district_id=district_id))).all()
    stored = [each["document"] for documents in held for each in documents.values()]
    at_rest = stored_bytes(ingest.app.state.runtime.settings.database_url, district_id, "grouped_student")
    assert len(stored) == 7 and not any("addresses" in document for document in stored), "no contact details kept"
    assert b"604822" in at_rest and plaintext_in(at_rest, *GROUPS_AT_REST) == [], "sex, race and programs encrypted"
    published = await groups_published(ingest, district_id)
    assert len(published) == 2, "one per file: every document of the student is written before the picture is made"
    assert (published[-1]["sex"], published[-1]["raceEthnicity"]) == ("Female", "Asian")
    assert published[-1]["groups"] == [
        period("economically-disadvantaged", "2021-08-23", "2021-12-17"),
        period("economically-disadvantaged", "2021-08-23"),
        period("english-learner"),
        period("foster-care"),
        period("foster-care", "2022-02-01"),
        period("homeless", "2021-10-04"),
        period("special-education", "2021-09-01", "2022-05-27"),
    ]
