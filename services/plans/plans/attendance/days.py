"""A student's school days and absences on plain data: the windows goals and interventions are measured over."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from rollcall_shared.events import AttendanceCategory

def school_year_span(school_year: int) -> tuple[date, date]:
    """1 July to 30 June, named by the year it ends in."""
    return date(school_year - 1, 7, 1), date(school_year, 6, 30)


ABSENT = frozenset({AttendanceCategory.EXCUSED_ABSENCE.value, AttendanceCategory.UNEXCUSED_ABSENCE.value})


@dataclass(frozen=True)
class Record:
    """A daily record that is not `In Attendance`."""

    school_id: str
    day: date
    category: str
    minutes: int | None = None


@dataclass(frozen=True)
class StudentDays:
    """One student's school year: the closed school days they were enrolled on, and their records off the register."""

    school_days: tuple[date, ...]
    """Distinct and in order: closed instructional days of a school, within one of the student's enrollments there."""
    records: tuple[Record, ...]

    @classmethod
    def of(
        cls,
        *,
        enrollments: Iterable[tuple[str, date, date | None]],
        closed: Mapping[str, Iterable[date]],
        records: Iterable[Record],
    ) -> StudentDays:
        """From (school, entry, exit) enrollments, each school's closed days, and the student's records."""
        days = {
            day
            for school_id, entry, exit in enrollments
            for day in closed.get(school_id, ())
            if entry <= day and (exit is None or day <= exit)
        }
        return cls(tuple(sorted(days)), tuple(sorted(records, key=lambda r: (r.day, r.school_id))))

    @cached_property
    def absent_days(self) -> frozenset[date]:
        """Dates whose record, at any school, is an absence (excused or not)."""
        return frozenset(record.day for record in self.records if record.category in ABSENT)

    def starting(self, first: date, count: int) -> tuple[date, ...]:
        """The first `count` school days on or after `first` (fewer while the rest are not closed yet)."""
        at = bisect_left(self.school_days, first)
        return self.school_days[at : at + count]

    def before(self, day: date, count: int) -> tuple[date, ...]:
        """The last `count` school days before `day` (fewer when the year has not had that many)."""
        at = bisect_left(self.school_days, day)
        return self.school_days[max(0, at - count) : at]

    def absences(self, days: Sequence[date]) -> int:
        return sum(day in self.absent_days for day in days)

    def attendance_rate(self, days: Sequence[date]) -> float | None:
        """The share of `days` the student was not absent; None over no days."""
        return 1 - self.absences(days) / len(days) if days else None
