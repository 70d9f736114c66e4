"""Ed-Fi's public sample district (Apache-2.0), read independently of ingest to know what to expect."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(os.environ.get("GRAND_BEND_DIR", ROOT.parent / "shared" / "data" / "ed-fi-grand-bend"))
NS = {"e": "http://ed-fi.org/5.2.0"}
SESSIONS = ((date(2021, 8, 23), date(2021, 12, 17)), (date(2022, 1, 4), date(2022, 5, 27)))
"""The 2021-2022 fall and spring sessions of EducationOrgCalendar.xml."""


@dataclass(frozen=True)
class DailyRecord:
    student_id: str
    school_id: str
    date: date
    category: str
    minutes: int | None


def daily_records() -> list[DailyRecord]:
    """StudentSchoolAttendance.xml's events, in file order."""
    records = []
    for element in ElementTree.parse(FILES / "StudentSchoolAttendance.xml").getroot():
        minutes = element.findtext("e:SchoolAttendanceDuration", None, NS)
        records.append(DailyRecord(
            student_id=element.findtext("e:StudentReference/e:StudentIdentity/e:StudentUniqueId", "", NS),
            school_id=element.findtext("e:SchoolReference/e:SchoolIdentity/e:SchoolId", "", NS),
            date=date.fromisoformat(element.findtext("e:AttendanceEvent/e:EventDate", "", NS)),
            category=element.findtext("e:AttendanceEvent/e:AttendanceEventCategory", "", NS).split("#")[-1],
            minutes=int(minutes) if minutes else None,
        ))
    return records


def session_weekdays() -> list[date]:
    """The weekdays of the sessions: the sample has no day-by-day calendar, so these stand in for it."""
    days = []
    for first, last in SESSIONS:
        day = first
        while day <= last:
            if day.weekday() < 5:
                days.append(day)
            day += timedelta(days=1)
    return days


async def post_interchange(sis, base: str, name: str) -> dict:
    """One of the sample's XML files through ingest's interchange endpoint; nothing may be rejected."""
    answer = await sis.post(
        f"{base}/ed-fi/interchanges", content=(FILES / name).read_bytes(), headers={"content-type": "application/xml"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejected"] == []
    return answer.json()


async def load_school_year(sis, base: str) -> None:
    """The sample's attendance, each student enrolled at their records' schools, the weekdays as calendar, the year closed.

    The sample has attendance but no enrollments and no day-by-day calendar: these stand in for them.
    """
    records = daily_records()
    schools = sorted({r.school_id for r in records})
    pairs = sorted({(r.student_id, r.school_id) for r in records})
    for name in ("StudentSchoolAttendance.xml", "StudentSectionAttendance-Tardy.xml"):
        await post_interchange(sis, base, name)
    enrollments = [{"studentReference": {"studentUniqueId": s}, "schoolReference": {"schoolId": int(k)},
                    "entryDate": SESSIONS[0][0].isoformat()} for s, k in pairs]
    calendar = [{"calendarReference": {"calendarCode": "GB", "schoolId": int(school), "schoolYear": 2022},
                 "date": day.isoformat(),
                 "calendarEvents": [{"calendarEventDescriptor": "uri://ed-fi.org/CalendarEventDescriptor#Instructional day"}]}
                for school in schools for day in session_weekdays()]
    for resource, body in (("studentSchoolAssociations", enrollments), ("calendarDates", calendar)):
        answer = await sis.post(f"{base}/ed-fi/{resource}", json=body)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(body), answer.text
    for school in schools:
        answer = await sis.post(f"{base}/schools/{school}/closed-days", json={"date": SESSIONS[-1][1].isoformat()})
        assert answer.status_code == 200, answer.text
