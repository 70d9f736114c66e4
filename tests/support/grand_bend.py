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
