"""Ed-Fi records and paths the ingest tests post."""

from __future__ import annotations

from typing import Any

CATEGORY = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#"


def daily(student: str, day: str, category: str = "Unexcused Absence", **fields: Any) -> dict[str, Any]:
    return {
        "studentReference": {"studentUniqueId": student},
        "schoolReference": {"schoolId": 255901001},
        "eventDate": day,
        "attendanceEventCategoryDescriptor": CATEGORY + category,
        **fields,
    }


def path(district_id: str, resource: str) -> str:
    return f"/v1/districts/{district_id}/ed-fi/{resource}"


def enrollment(student: str, school: str, entry: str, exit: str | None = None) -> dict[str, Any]:
    return {
        "studentReference": {"studentUniqueId": student},
        "schoolReference": {"schoolId": school},
        "entryDate": entry,
        **({"exitWithdrawDate": exit} if exit else {}),
    }


def calendar_date(school: str, day: str, event: str = "Instructional day") -> dict[str, Any]:
    return {
        "calendarReference": {"calendarCode": "2010605675", "schoolId": school, "schoolYear": 2022},
        "date": day,
        "calendarEvents": [{"calendarEventDescriptor": f"uri://ed-fi.org/CalendarEventDescriptor#{event}"}],
    }


DAILY_ELEMENT = """<StudentSchoolAttendanceEvent>
  <AttendanceEvent><EventDate>2021-09-01</EventDate>
    <AttendanceEventCategory>Unexcused Absence</AttendanceEventCategory></AttendanceEvent>
  <StudentReference><StudentIdentity><StudentUniqueId>1</StudentUniqueId></StudentIdentity></StudentReference>
  <SchoolReference><SchoolIdentity><SchoolId>9</SchoolId></SchoolIdentity></SchoolReference>
</StudentSchoolAttendanceEvent>"""
ENTITY_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<InterchangeStudentAttendance xmlns="http://ed-fi.org/5.2.0">&lol2;</InterchangeStudentAttendance>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<InterchangeStudent xmlns="http://ed-fi.org/5.2.0"><Student>&secret;</Student></InterchangeStudent>"""


def interchange(*elements: str, tail: str = "</InterchangeStudentAttendance>") -> str:
    return '<InterchangeStudentAttendance xmlns="http://ed-fi.org/5.2.0">' + "".join(elements) + tail
