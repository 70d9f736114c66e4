"""What a student's day looks like in the SIS: absences, late arrivals, corrections, cut periods."""

from __future__ import annotations

import random
from datetime import date

from rollcall_dev import edfi
from rollcall_dev.roster import School, Student

EXCUSED, UNEXCUSED, PRESENT = "Excused Absence", "Unexcused Absence", "In Attendance"
EXCUSED_REASONS = ("Illness", "Medical appointment", "Family emergency", "Religious observance")
UNEXCUSED_REASONS = ("No reason given", "Overslept", "Parent did not call", "Left campus")
TARDY_REASONS = ("Overslept", "Transportation", "Traffic", "No reason given")
EARLY_DEPARTURE_REASONS = ("Medical appointment", "Illness", "Family matter")
ILLNESS_DAYS = (1, 1, 1, 1, 2, 2, 3)
"""How many days in a row an excused absence lasts (an illness often takes more than one)."""
CORRECTED_SHARE = 0.12
COURSES = ("ENG", "MATH", "SCI", "HIST", "PE", "ART")

Absence = tuple[str, str, int]
"""Category, reason and the school days it lasts."""


def mean_absence_days(student: Student) -> float:
    mean_illness = sum(ILLNESS_DAYS) / len(ILLNESS_DAYS)
    return student.unexcused_share + (1 - student.unexcused_share) * mean_illness


def draw_absence(rng: random.Random, student: Student) -> Absence:
    if rng.random() < student.unexcused_share:
        return UNEXCUSED, rng.choice(UNEXCUSED_REASONS), 1
    return EXCUSED, rng.choice(EXCUSED_REASONS), rng.choice(ILLNESS_DAYS)


def daily(
    student: Student,
    school: School,
    day: date,
    category: str,
    reason: str,
    minutes: int | None = None,
) -> edfi.Resource:
    return edfi.school_attendance_event(
        student_id=student.student_id,
        school_id=school.school_id,
        day=day,
        category=category,
        reason=reason,
        minutes=minutes,
    )


def correction(
    rng: random.Random, student: Student, school: School, day: date
) -> edfi.Resource | None:
    """The record that later replaces an unexcused absence, for some of them."""
    if rng.random() >= CORRECTED_SHARE:
        return None
    if rng.random() < 0.75:
        return daily(student, school, day, EXCUSED, "Parent note")
    return daily(student, school, day, PRESENT, "Marked absent in error")


def late_arrival(rng: random.Random, student: Student, school: School, day: date) -> edfi.Resource:
    """A tardy, or now and then an early departure, with the minutes missed."""
    long_odds = 0.4 if student.truant else 0.1
    minutes = rng.randint(31, 120) if rng.random() < long_odds else rng.randint(5, 25)
    if rng.random() < 0.15:
        reason = rng.choice(EARLY_DEPARTURE_REASONS)
        return daily(student, school, day, "Early departure", reason, minutes)
    return daily(student, school, day, "Tardy", rng.choice(TARDY_REASONS), minutes)


def skipped_periods(
    rng: random.Random, student: Student, school: School, day: date
) -> list[edfi.Resource]:
    """Unexcused absences from one or two periods, most often the student's usual one."""
    usual = 6 if student.number % 2 else 1
    periods = {usual if rng.random() < 0.7 else rng.randint(1, 6)}
    if rng.random() < 0.3:
        periods.add(rng.randint(1, 6))
    records = []
    for period in sorted(periods):
        course_code = f"{COURSES[period - 1]}{student.grade:02d}"
        records.append(
            edfi.section_attendance_event(
                student_id=student.student_id,
                school_id=school.school_id,
                course_code=course_code,
                section_id=f"{course_code}-P{period}-{'ABC'[student.number % 3]}",
                day=day,
                reason=rng.choice(UNEXCUSED_REASONS),
            )
        )
    return records
