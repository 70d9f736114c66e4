"""Ed-Fi resources in the Ed-Fi API's JSON shape: the one place a record is validated."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from rollcall_shared.events import school_year_of

from ingest.edfi.fields import (
    CalendarEvent,
    Category,
    EdFiDate,
    EnglishProficiency,
    GradeLevel,
    Identifier,
    Minutes,
    ProgramType,
    Race,
    Reason,
    SchoolYear,
    Sex,
    StudentCharacteristic,
    Text,
    unstorable,
)

INSTRUCTIONAL_DAY = "instructional day"
SECTION_ID_LIMIT = 300
MAX_DOCUMENT_DEPTH = 16
"""Levels of nesting a roster document may have; Ed-Fi's own go about five deep."""


def record_error(message: str) -> PydanticCustomError:
    """An error about how fields of one record fit together; the message names the field."""
    return PydanticCustomError("record", message)


def _not_before(end: date | None, start: date, field: str, start_field: str) -> None:
    if end is not None and end < start:
        raise record_error(f"{field}: before {start_field}")


def _within_school_year(day: date, school_year: int, field: str, owner: str) -> None:
    if school_year_of(day) != school_year:
        raise record_error(f"{field}: not in the {owner}'s school year {school_year}")


class EdFi(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="ignore", frozen=True)


class StudentReference(EdFi):
    student_unique_id: Identifier


class SchoolReference(EdFi):
    school_id: Identifier


class ContactReference(EdFi):
    contact_unique_id: Identifier


class SectionReference(EdFi):
    local_course_code: Text
    school_id: Identifier
    school_year: SchoolYear
    section_identifier: Text
    session_name: Text

    @property
    def section_id(self) -> str:
        """A stable id of the section, made from every part of its Ed-Fi key."""
        parts = (self.school_id, self.school_year, self.session_name, self.local_course_code)
        return "/".join(str(part) for part in (*parts, self.section_identifier))

    @model_validator(mode="after")
    def _fits(self) -> SectionReference:
        if len(self.section_id) > SECTION_ID_LIMIT:
            raise record_error(f"sectionReference: longer than {SECTION_ID_LIMIT} characters")
        return self


class CalendarReference(EdFi):
    calendar_code: Text
    school_id: Identifier
    school_year: SchoolYear


class CalendarEventItem(EdFi):
    calendar_event_descriptor: CalendarEvent


class AttendanceEvent(EdFi):
    """What a school and a section attendance event share."""

    student_reference: StudentReference
    event_date: EdFiDate
    attendance_event_category_descriptor: Category
    attendance_event_reason: Reason = None


class StudentSchoolAttendanceEvent(AttendanceEvent):
    school_reference: SchoolReference
    school_attendance_duration: Minutes | None = None


class StudentSectionAttendanceEvent(AttendanceEvent):
    section_reference: SectionReference
    section_attendance_duration: Minutes | None = None

    @model_validator(mode="after")
    def _in_school_year(self) -> StudentSectionAttendanceEvent:
        _within_school_year(self.event_date, self.section_reference.school_year, "eventDate", "section")
        return self


class StudentSchoolAssociation(EdFi):
    student_reference: StudentReference
    school_reference: SchoolReference
    entry_date: EdFiDate
    exit_withdraw_date: EdFiDate | None = None
    entry_grade_level_descriptor: GradeLevel | None = None

    @model_validator(mode="after")
    def _exit_after_entry(self) -> StudentSchoolAssociation:
        _not_before(self.exit_withdraw_date, self.entry_date, "exitWithdrawDate", "entryDate")
        return self


class CalendarDate(EdFi):
    calendar_reference: CalendarReference
    day: EdFiDate = Field(alias="date")
    calendar_events: list[CalendarEventItem] = Field(min_length=1)

    @property
    def instructional(self) -> bool:
        return any(
            event.calendar_event_descriptor.casefold() == INSTRUCTIONAL_DAY
            for event in self.calendar_events
        )

    @model_validator(mode="after")
    def _in_school_year(self) -> CalendarDate:
        _within_school_year(self.day, self.calendar_reference.school_year, "date", "calendar")
        return self


class RosterResource(EdFi):
    """A roster resource keeps every field it was sent with, to be stored as its document."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, raw: object) -> object:
        if problem := unstorable(raw, MAX_DOCUMENT_DEPTH):
            raise record_error(f"record: {problem}")
        return raw

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class Student(RosterResource):
    student_unique_id: Identifier


class Contact(RosterResource):
    contact_unique_id: Identifier


class StudentContactAssociation(RosterResource):
    student_reference: StudentReference
    contact_reference: ContactReference


class EducationOrganizationReference(EdFi):
    education_organization_id: Identifier


class ProgramReference(EdFi):
    education_organization_id: Identifier
    program_name: Text
    program_type_descriptor: ProgramType


class Period(EdFi):
    """From `beginDate` through `endDate`; open while `endDate` is absent."""

    begin_date: EdFiDate
    end_date: EdFiDate | None = None

    @model_validator(mode="after")
    def _end_after_begin(self) -> Period:
        _not_before(self.end_date, self.begin_date, "endDate", "beginDate")
        return self


class RaceItem(EdFi):
    race_descriptor: Race


class StudentCharacteristicItem(EdFi):
    student_characteristic_descriptor: StudentCharacteristic
    periods: list[Period] = []


class StudentEducationOrganizationAssociation(EdFi):
    """What ingest reads of it: the fields report groups are made of; contact details are not kept."""

    student_reference: StudentReference
    education_organization_reference: EducationOrganizationReference
    sex_descriptor: Sex | None = None
    hispanic_latino_ethnicity: bool | None = None
    races: list[RaceItem] = []
    limited_english_proficiency_descriptor: EnglishProficiency | None = None
    student_characteristics: list[StudentCharacteristicItem] = []


class StudentProgramAssociation(Period):
    """Ed-Fi's GeneralStudentProgramAssociation, what every program association shares: a period in a program."""

    student_reference: StudentReference
    education_organization_reference: EducationOrganizationReference
    program_reference: ProgramReference


class StudentSpecialEducationProgramAssociation(StudentProgramAssociation):
    pass


class StudentSchoolFoodServiceProgramAssociation(StudentProgramAssociation):
    pass


class StudentHomelessProgramAssociation(StudentProgramAssociation):
    pass
