"""Validation of Ed-Fi resources, written once for JSON, XML and CSV (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rollcall_shared.events import AttendanceCategory

from ingest.edfi.errors import describe
from ingest.edfi.resources import (
    CalendarDate,
    StudentContactAssociation,
    StudentSchoolAssociation,
    StudentSchoolAttendanceEvent,
    StudentSectionAttendanceEvent,
)
from tests.ingest.builders import calendar_date, daily, enrollment


def reasons(model, raw) -> list[str]:
    with pytest.raises(ValidationError) as error:
        model.model_validate(raw)
    return describe(error.value)


@pytest.mark.parametrize("descriptor", [
    "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence",
    "uri://grandbend.org/AttendanceEventCategoryDescriptor#Excused Absence",
    "Excused Absence",
    "excused absence",
])
def test_category_is_read_from_a_descriptor_uri_or_its_bare_value(descriptor):
    record = StudentSchoolAttendanceEvent.model_validate(
        daily("1", "2021-09-01") | {"attendanceEventCategoryDescriptor": descriptor}
    )

    assert record.attendance_event_category_descriptor is AttendanceCategory.EXCUSED_ABSENCE


def test_present_is_read_as_in_attendance():
    record = StudentSchoolAttendanceEvent.model_validate(daily("1", "2021-09-01", "Present"))

    assert record.attendance_event_category_descriptor is AttendanceCategory.IN_ATTENDANCE


def test_descriptor_of_another_kind_is_not_a_category():
    raw = daily("1", "2021-09-01") | {
        "attendanceEventCategoryDescriptor": "uri://ed-fi.org/CalendarEventDescriptor#Tardy"
    }

    assert reasons(StudentSchoolAttendanceEvent, raw) == [
        "attendanceEventCategoryDescriptor: not an attendance event category"
    ]


def test_numeric_school_id_and_minutes_are_kept_as_the_sis_sent_them():
    record = StudentSchoolAttendanceEvent.model_validate(
        daily("1", "2021-09-01", "Tardy", schoolAttendanceDuration="35", eventDuration=0.1)
    )

    assert (record.school_reference.school_id, record.school_attendance_duration) == ("255901001", 35)


@pytest.mark.parametrize("day", ["2021-9-1", "09/01/2021", "2021-02-30", 20210901, ""])
def test_event_date_must_be_an_iso_calendar_date(day):
    assert reasons(StudentSchoolAttendanceEvent, daily("1", "2021-09-01") | {"eventDate": day}) == [
        "eventDate: not a date"
    ]


def test_every_reason_of_a_record_is_named():
    raw = {"studentReference": {"studentUniqueId": " "}, "schoolReference": "x", "eventDate": None,
           "attendanceEventReason": "r" * 256, "schoolAttendanceDuration": 2000}

    assert reasons(StudentSchoolAttendanceEvent, raw) == [
        "studentReference.studentUniqueId: empty",
        "eventDate: not a date",
        "attendanceEventCategoryDescriptor: required",
        "attendanceEventReason: longer than 255 characters",
        "schoolReference: not an object",
        "schoolAttendanceDuration: must be at most 1440",
    ]


def test_enrollment_cannot_end_before_it_starts():
    raw = enrollment("1", "9", "2021-09-01", exit="2021-08-31")

    assert reasons(StudentSchoolAssociation, raw) == ["exitWithdrawDate: before entryDate"]


def test_open_enrollment_has_no_exit():
    record = StudentSchoolAssociation.model_validate(enrollment("1", "9", "2021-09-01"))

    assert (record.entry_date, record.exit_withdraw_date) == (date(2021, 9, 1), None)


def test_calendar_date_is_instructional_when_any_event_is_an_instructional_day():
    raw = calendar_date("9", "2021-09-01", event="Holiday")
    raw["calendarEvents"].append({"calendarEventDescriptor": "Instructional day"})

    assert CalendarDate.model_validate(raw).instructional
    assert not CalendarDate.model_validate(calendar_date("9", "2021-09-01", event="Holiday")).instructional


def test_calendar_date_outside_its_calendar_school_year_is_rejected():
    raw = calendar_date("9", "2022-07-01")

    assert reasons(CalendarDate, raw) == ["date: not in the calendar's school year 2022"]


def test_calendar_date_needs_an_event():
    assert reasons(CalendarDate, calendar_date("9", "2021-09-01") | {"calendarEvents": []}) == [
        "calendarEvents: must not be empty"
    ]


def test_section_school_year_may_be_written_as_ed_fi_xml_writes_it():
    section = {"localCourseCode": "MATH-03", "schoolId": "9", "schoolYear": "2021-2022",
               "sectionIdentifier": "S1", "sessionName": "Spring"}
    raw = {"studentReference": {"studentUniqueId": "1"}, "sectionReference": section,
           "eventDate": "2022-03-07", "attendanceEventCategoryDescriptor": "Tardy"}

    record = StudentSectionAttendanceEvent.model_validate(raw)

    assert record.section_reference.section_id == "9/2022/Spring/MATH-03/S1"
    assert reasons(StudentSectionAttendanceEvent, raw | {"eventDate": "2022-08-01"}) == [
        "eventDate: not in the section's school year 2022"
    ]


def test_roster_document_keeps_every_field_it_was_sent_with():
    raw = {"studentReference": {"studentUniqueId": "1"}, "contactReference": {"contactUniqueId": "2"},
           "relationDescriptor": "uri://ed-fi.org/RelationDescriptor#Mother", "livesWith": True}

    assert StudentContactAssociation.model_validate(raw).document() == raw
