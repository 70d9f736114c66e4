"""Column mappings of SIS daily-attendance CSV exports onto Ed-Fi StudentSchoolAttendanceEvents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollcall_shared.events import AttendanceCategory

STUDENT = "studentReference.studentUniqueId"
SCHOOL = "schoolReference.schoolId"
DATE = "eventDate"
CATEGORY = "attendanceEventCategoryDescriptor"
REASON = "attendanceEventReason"
MINUTES = "schoolAttendanceDuration"
REQUIRED = (STUDENT, SCHOOL, DATE, CATEGORY)


@dataclass(frozen=True)
class Profile:
    """How one export names its columns, writes its dates and codes its attendance."""

    name: str
    columns: Mapping[str, str]
    """Ed-Fi field -> the export's column header."""
    date_formats: tuple[str, ...]
    codes: Mapping[str, AttendanceCategory]
    """The SIS's attendance codes (case-insensitive); any other value is read as an Ed-Fi category."""

    def record(self, row: Mapping[str, str]) -> dict[str, Any]:
        """One Ed-Fi JSON-shaped record from a row keyed by Ed-Fi field; empty cells are absent."""
        cells = {field: value.strip() for field, value in row.items() if value and value.strip()}
        if DATE in cells:
            cells[DATE] = self._iso_date(cells[DATE])
        if CATEGORY in cells:
            cells[CATEGORY] = self.codes.get(cells[CATEGORY].upper(), cells[CATEGORY])
        record: dict[str, Any] = {"studentReference": {}, "schoolReference": {}}
        for field, value in cells.items():
            *parents, leaf = field.split(".")
            target = record
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return record

    def _iso_date(self, text: str) -> str:
        for date_format in self.date_formats:
            try:
                return datetime.strptime(text, date_format).date().isoformat()
            except ValueError:
                continue
        return text


SIS_CODES = {
    "P": AttendanceCategory.IN_ATTENDANCE,
    "A": AttendanceCategory.UNEXCUSED_ABSENCE,
    "U": AttendanceCategory.UNEXCUSED_ABSENCE,
    "E": AttendanceCategory.EXCUSED_ABSENCE,
    "I": AttendanceCategory.EXCUSED_ABSENCE,
    "M": AttendanceCategory.EXCUSED_ABSENCE,
    "S": AttendanceCategory.EXCUSED_ABSENCE,
    "T": AttendanceCategory.TARDY,
    "L": AttendanceCategory.EARLY_DEPARTURE,
    "H": AttendanceCategory.PARTIAL,
}

PROFILES = {
    profile.name: profile
    for profile in (
        Profile(
            name="generic-daily",
            columns={
                STUDENT: "StudentID",
                SCHOOL: "SchoolID",
                DATE: "AttendanceDate",
                CATEGORY: "AttendanceCode",
                MINUTES: "MinutesAbsent",
                REASON: "Reason",
            },
            date_formats=("%m/%d/%Y", "%Y-%m-%d"),
            codes=SIS_CODES,
        ),
        Profile(
            name="ed-fi-daily",
            columns={
                STUDENT: "studentUniqueId",
                SCHOOL: "schoolId",
                DATE: "eventDate",
                CATEGORY: "attendanceEventCategoryDescriptor",
                MINUTES: "schoolAttendanceDuration",
                REASON: "attendanceEventReason",
            },
            date_formats=("%Y-%m-%d",),
            codes={},
        ),
    )
}
