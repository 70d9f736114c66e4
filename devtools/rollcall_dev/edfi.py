"""Ed-Fi API resources in their JSON shape: camelCase, references as objects, descriptor URIs."""

from __future__ import annotations

from datetime import date
from typing import Any

from rollcall_dev.roster import Address
from rollcall_dev.school_year import SCHOOL_YEAR, calendar_event, session_name

Resource = dict[str, Any]

GRADE_LEVELS = (
    "Kindergarten", "First grade", "Second grade", "Third grade", "Fourth grade", "Fifth grade",
    "Sixth grade", "Seventh grade", "Eighth grade", "Ninth grade", "Tenth grade",
    "Eleventh grade", "Twelfth grade",
)  # fmt: skip
"""GradeLevelDescriptor code values, indexed by grade (0 is kindergarten)."""


def descriptor(kind: str, value: str) -> str:
    return f"uri://ed-fi.org/{kind}Descriptor#{value}"


def calendar_date(*, school_id: str, calendar_code: str, day: date) -> Resource:
    return {
        "calendarReference": {
            "calendarCode": calendar_code,
            "schoolId": school_id,
            "schoolYear": SCHOOL_YEAR,
        },
        "date": day.isoformat(),
        "calendarEvents": [
            {"calendarEventDescriptor": descriptor("CalendarEvent", calendar_event(day))}
        ],
    }


def school_association(
    *, student_id: str, school_id: str, entry: date, exit_withdraw: date | None, grade: int
) -> Resource:
    return {
        "studentReference": {"studentUniqueId": student_id},
        "schoolReference": {"schoolId": school_id},
        "entryDate": entry.isoformat(),
        "exitWithdrawDate": exit_withdraw.isoformat() if exit_withdraw else None,
        "entryGradeLevelDescriptor": descriptor("GradeLevel", GRADE_LEVELS[grade]),
    }


def _attendance(student_id: str, day: date, category: str, reason: str) -> Resource:
    return {
        "studentReference": {"studentUniqueId": student_id},
        "eventDate": day.isoformat(),
        "attendanceEventCategoryDescriptor": descriptor("AttendanceEventCategory", category),
        "attendanceEventReason": reason,
    }


def school_attendance_event(
    *, student_id: str, school_id: str, day: date, category: str, reason: str, minutes: int | None
) -> Resource:
    record = _attendance(student_id, day, category, reason)
    record["schoolReference"] = {"schoolId": school_id}
    record["sessionReference"] = {
        "schoolId": school_id,
        "schoolYear": SCHOOL_YEAR,
        "sessionName": session_name(day),
    }
    if minutes is not None:
        record["schoolAttendanceDuration"] = minutes
    return record


def section_attendance_event(
    *, student_id: str, school_id: str, course_code: str, section_id: str, day: date, reason: str
) -> Resource:
    record = _attendance(student_id, day, "Unexcused Absence", reason)
    record["sectionReference"] = {
        "localCourseCode": course_code,
        "schoolId": school_id,
        "schoolYear": SCHOOL_YEAR,
        "sectionIdentifier": section_id,
        "sessionName": session_name(day),
    }
    return record


def student(*, student_id: str, first_name: str, last_name: str, birth_date: date) -> Resource:
    return {
        "studentUniqueId": student_id,
        "firstName": first_name,
        "lastSurname": last_name,
        "birthDate": birth_date.isoformat(),
    }


def contact(
    *,
    contact_id: str,
    first_name: str,
    last_name: str,
    language: str,
    address: Address | None,
    mobile: str | None,
    home_phone: str | None,
    email: str | None,
) -> Resource:
    """A guardian; `language` is a LanguageDescriptor value (`spa`), the family's home language."""
    record: Resource = {
        "contactUniqueId": contact_id,
        "firstName": first_name,
        "lastSurname": last_name,
        "languages": [{
            "languageDescriptor": descriptor("Language", language),
            "uses": [{"languageUseDescriptor": descriptor("LanguageUse", "Home language")}],
        }],
    }  # fmt: skip
    if address is not None:
        record["addresses"] = [{
            "addressTypeDescriptor": descriptor("AddressType", "Home"),
            "streetNumberName": address.street,
            **({"apartmentRoomSuiteNumber": address.apartment} if address.apartment else {}),
            "city": address.city,
            "stateAbbreviationDescriptor": descriptor("StateAbbreviation", address.state),
            "postalCode": address.postal_code,
        }]  # fmt: skip
    phones = [(mobile, "Mobile", True), (home_phone, "Home", False)]
    if telephones := [(number, kind, texts) for number, kind, texts in phones if number]:
        record["telephones"] = [{
            "telephoneNumber": number,
            "telephoneNumberTypeDescriptor": descriptor("TelephoneNumberType", kind),
            "textMessageCapabilityIndicator": texts,
            "orderOfPriority": priority,
        } for priority, (number, kind, texts) in enumerate(telephones, 1)]  # fmt: skip
    if email is not None:
        record["electronicMails"] = [{
            "electronicMailAddress": email,
            "electronicMailTypeDescriptor": descriptor("ElectronicMailType", "Home/Personal"),
            "primaryEmailAddressIndicator": True,
        }]  # fmt: skip
    return record


def student_contact_association(
    *,
    student_id: str,
    contact_id: str,
    relation: str,
    primary: bool,
    lives_with: bool,
    priority: int,
) -> Resource:
    return {
        "studentReference": {"studentUniqueId": student_id},
        "contactReference": {"contactUniqueId": contact_id},
        "relationDescriptor": descriptor("Relation", relation),
        "primaryContactStatus": primary,
        "livesWith": lives_with,
        "emergencyContactStatus": True,
        "contactPriority": priority,
    }
