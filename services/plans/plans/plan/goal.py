"""A SMART goal measured on the attendance itself, on plain data: how far along it is and whether it was met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from plans.attendance.days import StudentDays


class GoalStatus(StrEnum):
    ON_TRACK = "on-track"
    OFF_TRACK = "off-track"
    """More absences than allowed already; decided only at review, as corrections may still come."""
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class Terms:
    """At most `max_absences` absences over the `school_days` school days from `start_date`."""

    max_absences: int
    school_days: int
    start_date: date


@dataclass(frozen=True)
class Progress:
    status: GoalStatus
    school_days: int
    """School days of the goal's window closed so far."""
    absences: int
    review_on: date
    """The window's last school day: the day it closed, or when it is expected to (weekdays from the last known)."""

    @property
    def decided(self) -> bool:
        return self.status in (GoalStatus.MET, GoalStatus.MISSED)

    def describe(self, terms: Terms) -> str:
        """E.g. `3 absence(s) in 7 of 20 school days, at most 2`; counts only."""
        return f"{self.absences} absence(s) in {self.school_days} of {terms.school_days} school days, at most {terms.max_absences}"


def progress(terms: Terms, days: StudentDays) -> Progress:
    """Where the goal stands after the student's closed school days; decided once its window has closed."""
    window = days.starting(terms.start_date, terms.school_days)
    absences = days.absences(window)
    within = absences <= terms.max_absences
    if len(window) == terms.school_days:
        return Progress(GoalStatus.MET if within else GoalStatus.MISSED, len(window), absences, window[-1])
    last_known = window[-1] if window else terms.start_date - timedelta(days=1)
    status = GoalStatus.ON_TRACK if within else GoalStatus.OFF_TRACK
    return Progress(status, len(window), absences, _weekdays_after(last_known, terms.school_days - len(window)))


def _weekdays_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day
