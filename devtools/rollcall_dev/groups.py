"""The generated students' report groups, sent as Ed-Fi StudentEducationOrganizationAssociations and program
associations, drawn so that groups known to miss more school do so here too."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from rollcall_dev import edfi
from rollcall_dev.roster import Student
from rollcall_dev.school_year import FIRST_DAY, LAST_DAY

DISTRICT_EDORG = 255901
RACES = (
    ("Hispanic or Latino", 0.52), ("White", 0.22), ("Asian", 0.15), ("Black - African American", 0.06),
    ("American Indian - Alaska Native", 0.01), ("Native Hawaiian - Pacific Islander", 0.01),
    ("Two or more races", 0.03),
)  # fmt: skip
"""Race and ethnicity (Hispanic or Latino of any race first), with the share of students in each."""
CHRONIC_PROFILES = frozenset({"chronic", "severe-chronic"})
SHARES = {
    # group: (share among students, share among chronically absent students)
    "economically-disadvantaged": (0.55, 0.75),
    "english-learner": (0.18, 0.22),
    "special-education": (0.13, 0.20),
    "homeless": (0.03, 0.09),
    "foster-care": (0.01, 0.03),
}


@dataclass(frozen=True)
class Groups:
    student: Student
    sex: str
    race: str
    groups: frozenset[str]


def draw_groups(rng: random.Random, students: list[Student]) -> list[Groups]:
    names, weights = zip(*RACES, strict=True)
    drawn = []
    for student in students:
        chronic = student.profile in CHRONIC_PROFILES
        groups = frozenset(name for name, shares in SHARES.items() if rng.random() < shares[chronic])
        sex = rng.choices(("Female", "Male", "Non-binary"), (0.49, 0.49, 0.02))[0]
        drawn.append(Groups(student, sex, rng.choices(names, weights)[0], groups))
    return drawn


def resources(drawn: list[Groups]) -> Iterator[tuple[str, edfi.Resource]]:
    """(resource, record) for each student: the association with the district, then their programs."""
    for student in drawn:
        yield "studentEducationOrganizationAssociations", _with_district(student)
        for resource, program, program_type in (
            ("studentSpecialEducationProgramAssociations", "special-education", "Special Education"),
            ("studentSchoolFoodServiceProgramAssociations", "economically-disadvantaged", "Child Nutrition"),
            ("studentHomelessProgramAssociations", "homeless", "Homeless"),
            ("studentProgramAssociations", "foster-care", "Foster Care"),
        ):
            if program in student.groups:
                yield resource, _program(student, program_type)


def _with_district(drawn: Groups) -> edfi.Resource:
    hispanic = drawn.race == "Hispanic or Latino"
    if drawn.race == "Two or more races":
        races = ["White", "Asian"]
    else:
        races = [] if hispanic else [drawn.race]
    record: edfi.Resource = {
        "studentReference": {"studentUniqueId": drawn.student.student_id},
        "educationOrganizationReference": {"educationOrganizationId": DISTRICT_EDORG},
        "sexDescriptor": edfi.descriptor("Sex", drawn.sex),
        "hispanicLatinoEthnicity": hispanic,
        "races": [{"raceDescriptor": edfi.descriptor("Race", race)} for race in races],
        "limitedEnglishProficiencyDescriptor": edfi.descriptor(
            "LimitedEnglishProficiency", "Limited" if "english-learner" in drawn.groups else "NotLimited"
        ),
    }
    if "economically-disadvantaged" in drawn.groups:
        record["studentCharacteristics"] = [{
            "studentCharacteristicDescriptor": edfi.descriptor("StudentCharacteristic", "Economic Disadvantaged"),
            "periods": [{"beginDate": FIRST_DAY.isoformat()}],
        }]  # fmt: skip
    return record


def _program(drawn: Groups, program_type: str) -> edfi.Resource:
    return {
        "studentReference": {"studentUniqueId": drawn.student.student_id},
        "educationOrganizationReference": {"educationOrganizationId": DISTRICT_EDORG},
        "programReference": {
            "educationOrganizationId": DISTRICT_EDORG,
            "programName": program_type,
            "programTypeDescriptor": edfi.descriptor("ProgramType", program_type),
        },
        "beginDate": FIRST_DAY.isoformat(),
        "endDate": LAST_DAY.isoformat(),
    }
