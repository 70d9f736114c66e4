"""The demo district's 2025-26 school year: its instructional days, holidays and sessions."""

from __future__ import annotations

from datetime import date, timedelta

SCHOOL_YEAR = 2026
FIRST_DAY = date(2025, 8, 18)
LAST_DAY = date(2026, 5, 29)
SPRING_STARTS = date(2026, 1, 5)


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


NON_INSTRUCTIONAL: dict[date, str] = {
    date(2025, 9, 1): "Holiday",
    date(2025, 10, 10): "Teacher only day",
    date(2025, 11, 11): "Holiday",
    **{day: "Holiday" for day in _span(date(2025, 11, 24), date(2025, 11, 28))},
    **{day: "Holiday" for day in _span(date(2025, 12, 22), date(2026, 1, 2))},
    date(2026, 1, 19): "Holiday",
    date(2026, 2, 16): "Holiday",
    date(2026, 3, 13): "Teacher only day",
    **{day: "Holiday" for day in _span(date(2026, 3, 30), date(2026, 4, 3))},
    date(2026, 5, 25): "Holiday",
}
"""Weekdays without school, with their Ed-Fi calendar event."""


def weekdays() -> list[date]:
    """Every Monday to Friday of the year, school day or not; weekends have no calendar entry."""
    return [day for day in _span(FIRST_DAY, LAST_DAY) if day.weekday() < 5]


def calendar_event(day: date) -> str:
    return NON_INSTRUCTIONAL.get(day, "Instructional day")


def school_days() -> list[date]:
    """The instructional days, in order."""
    return [day for day in weekdays() if day not in NON_INSTRUCTIONAL]


def session_name(day: date) -> str:
    half = "Fall" if day < SPRING_STARTS else "Spring"
    return f"{SCHOOL_YEAR - 1}-{SCHOOL_YEAR} {half} Semester"
