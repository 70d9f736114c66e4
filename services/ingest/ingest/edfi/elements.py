"""Ed-Fi XML elements (PascalCase, nested identities) mapped to the Ed-Fi API's JSON shape."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from ingest.edfi.shape import api_document

References = dict[str, str]
"""`id` attribute of an element read earlier in the file -> its unique id, for `ref` lookups."""

SCHOOL = "SchoolReference/SchoolIdentity/SchoolId"
EDUCATION_ORGANIZATION = "EducationOrganizationReference/EducationOrganizationIdentity/EducationOrganizationId"


def _text(element: Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop absent fields, so a missing element reads as a missing field."""
    return {name: value for name, value in fields.items() if value not in (None, {}, [])}


def _student(element: Element) -> dict[str, Any]:
    return _present({"studentUniqueId": _text(element, "StudentReference/StudentIdentity/StudentUniqueId")})


def _school(element: Element) -> dict[str, Any]:
    return _present({"schoolId": _text(element, SCHOOL)})


def _attendance_event(element: Element) -> dict[str, Any]:
    """Ed-Fi 5 XML nests these in `AttendanceEvent`; the API has them on the resource."""
    return {
        "eventDate": _text(element, "AttendanceEvent/EventDate"),
        "attendanceEventCategoryDescriptor": _text(element, "AttendanceEvent/AttendanceEventCategory"),
        "attendanceEventReason": _text(element, "AttendanceEvent/AttendanceEventReason"),
    }


def daily_attendance(element: Element, _: References) -> dict[str, Any]:
    return _present({
        "studentReference": _student(element),
        "schoolReference": _school(element),
        **_attendance_event(element),
        "schoolAttendanceDuration": _text(element, "SchoolAttendanceDuration"),
    })


def section_attendance(element: Element, _: References) -> dict[str, Any]:
    section = "SectionReference/SectionIdentity/"
    offering = section + "CourseOfferingReference/CourseOfferingIdentity/"
    session = offering + "SessionReference/SessionIdentity/"
    return _present({
        "studentReference": _student(element),
        "sectionReference": _present({
            "localCourseCode": _text(element, offering + "LocalCourseCode"),
            "schoolId": _text(element, offering + SCHOOL),
            "schoolYear": _text(element, session + "SchoolYear"),
            "sectionIdentifier": _text(element, section + "SectionIdentifier"),
            "sessionName": _text(element, session + "SessionName"),
        }),
        **_attendance_event(element),
        "sectionAttendanceDuration": _text(element, "SectionAttendanceDuration"),
    })


def enrollment(element: Element, _: References) -> dict[str, Any]:
    return _present({
        "studentReference": _student(element),
        "schoolReference": _school(element),
        "entryDate": _text(element, "EntryDate"),
        "exitWithdrawDate": _text(element, "ExitWithdrawDate"),
        "entryGradeLevelDescriptor": _text(element, "EntryGradeLevel") or _text(element, "EntryGradeLevelDescriptor"),
    })


def program_association(element: Element, _: References) -> dict[str, Any]:
    """Any of Ed-Fi's student program associations; the API names the program's organization on its reference."""
    program = "ProgramReference/ProgramIdentity/"
    return _present({
        "studentReference": _student(element),
        "educationOrganizationReference": _present({"educationOrganizationId": _text(element, EDUCATION_ORGANIZATION)}),
        "programReference": _present({
            "educationOrganizationId": _text(element, program + EDUCATION_ORGANIZATION),
            "programName": _text(element, program + "ProgramName"),
            "programTypeDescriptor": _text(element, program + "ProgramType"),
        }),
        "beginDate": _text(element, "BeginDate"),
        "endDate": _text(element, "EndDate"),
    })


def calendar_date(element: Element, _: References) -> dict[str, Any]:
    calendar = "CalendarReference/CalendarIdentity/"
    events = [event.text for event in element.findall("CalendarEvent")]
    return _present({
        "calendarReference": _present({
            "calendarCode": _text(element, calendar + "CalendarCode"),
            "schoolId": _text(element, calendar + SCHOOL),
            "schoolYear": _text(element, calendar + "SchoolYear"),
        }),
        "date": _text(element, "Date"),
        "calendarEvents": [{"calendarEventDescriptor": event} for event in events],
    })


def _remember(element: Element, kind: str, references: References) -> None:
    """Later elements may point at this one by `ref` to its `id` attribute."""
    unique_id = _text(element, f"{kind}UniqueId")
    if (identifier := element.get("id")) and unique_id:
        references[f"{kind}:{identifier}"] = unique_id


def _referenced(element: Element, kind: str, references: References) -> str | None:
    reference = element.find(f"{kind}Reference")
    if reference is None:
        return None
    unique_id = _text(reference, f"{kind}Identity/{kind}UniqueId")
    return unique_id or references.get(f"{kind}:{reference.get('ref')}")


def education_organization_association(element: Element, _: References) -> dict[str, Any]:
    return api_document(element)


def student(element: Element, references: References) -> dict[str, Any]:
    _remember(element, "Student", references)
    return api_document(element)


def contact(element: Element, references: References) -> dict[str, Any]:
    _remember(element, "Contact", references)
    return api_document(element)


def student_contact(element: Element, references: References) -> dict[str, Any]:
    """A reference may name its student or contact by `ref` alone; both come out as unique ids."""
    record = api_document(element)
    record.pop("studentReference", None)
    record.pop("contactReference", None)
    return record | _present({
        "studentReference": _present({"studentUniqueId": _referenced(element, "Student", references)}),
        "contactReference": _present({"contactUniqueId": _referenced(element, "Contact", references)}),
    })
