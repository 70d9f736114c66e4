"""The generated district's schools and students: who attends where, and how often they miss."""

from __future__ import annotations

import random
from dataclasses import dataclass

from rollcall_dev.school_year import SCHOOL_YEAR

SCHOOL_NAMES = (
    "Lincoln", "Washington", "Roosevelt", "Jefferson", "Madison", "Franklin",
    "Kennedy", "Hamilton", "Garfield", "Monroe", "Adams", "Jackson",
)  # fmt: skip
FIRST_STUDENT_ID = 604001

PROFILES = (
    ("regular", 0.72, 0.0, 0.035),
    ("at-risk", 0.13, 0.05, 0.09),
    ("chronic", 0.12, 0.11, 0.19),
    ("severe-chronic", 0.03, 0.22, 0.35),
)
"""Attendance Works tiers: the share of students in each and the range of their absence rate."""
TRUANT_SHARE = 0.08
SKIPS_PERIODS_SHARE = 0.06
LATE_ENTRY_SHARE = 0.04
TRANSFER_SHARE = 0.04
WITHDRAWAL_SHARE = 0.03


@dataclass(frozen=True)
class School:
    school_id: str
    name: str
    grades: range
    """Grades served; 0 is kindergarten."""

    @property
    def calendar_code(self) -> str:
        return f"{self.school_id}-{SCHOOL_YEAR}"


@dataclass(frozen=True)
class Enrollment:
    """Attendance at `school` from school day `entry` through `exit` (indexes into the year)."""

    school: School
    entry: int
    exit: int | None = None


@dataclass(slots=True)
class Student:
    number: int
    student_id: str
    grade: int
    profile: str
    absence_rate: float
    unexcused_share: float
    tardy_rate: float
    skip_rate: float
    enrollments: list[Enrollment]

    @property
    def truant(self) -> bool:
        return self.unexcused_share > 0.5

    @property
    def skips_periods(self) -> bool:
        return self.skip_rate > 0

    @property
    def transferred(self) -> bool:
        return len(self.enrollments) > 1

    def school_on(self, index: int) -> School | None:
        for enrollment in self.enrollments:
            if enrollment.entry <= index and (enrollment.exit is None or index <= enrollment.exit):
                return enrollment.school
        return None

    def enrolled_days(self, *, through: int) -> int:
        """School days enrolled from the first day of the year through day `through`."""
        total = 0
        for enrollment in self.enrollments:
            last = through if enrollment.exit is None else min(enrollment.exit, through)
            total += max(0, last - enrollment.entry + 1)
        return total


def make_schools(count: int) -> list[School]:
    """Two K-8 schools for every high school, with Ed-Fi style ids (district 255901)."""
    schools = []
    for n in range(count):
        high = n % 3 == 2
        name = SCHOOL_NAMES[n % len(SCHOOL_NAMES)]
        if n >= len(SCHOOL_NAMES):
            name += f" {n // len(SCHOOL_NAMES) + 1}"
        kind, grades = ("High School", range(9, 13)) if high else ("K-8 School", range(0, 9))
        schools.append(School(str(255901001 + n), f"{name} {kind}", grades))
    return schools


def make_students(
    rng: random.Random, count: int, schools: list[School], year_days: int
) -> list[Student]:
    by_grade = {grade: [s for s in schools if grade in s.grades] for grade in range(13)}
    grades = [grade for grade, serving in by_grade.items() if serving]
    return [_student(rng, number, by_grade, grades, year_days) for number in range(count)]


def _student(
    rng: random.Random,
    number: int,
    by_grade: dict[int, list[School]],
    grades: list[int],
    year_days: int,
) -> Student:
    grade = rng.choice(grades)
    profile, low, high = _profile(rng.random())
    truant = rng.random() < TRUANT_SHARE
    skips = grade >= 9 and rng.random() < SKIPS_PERIODS_SHARE
    return Student(
        number=number,
        student_id=str(FIRST_STUDENT_ID + number),
        grade=grade,
        profile=profile,
        absence_rate=rng.uniform(low, high),
        unexcused_share=rng.uniform(0.7, 0.95) if truant else rng.uniform(0.05, 0.3),
        tardy_rate=rng.uniform(0.03, 0.1) if truant else rng.uniform(0.0, 0.03),
        skip_rate=rng.uniform(0.15, 0.35) if skips else 0.0,
        enrollments=_enrollments(rng, by_grade[grade], year_days),
    )


def _profile(draw: float) -> tuple[str, float, float]:
    for name, share, low, high in PROFILES:
        if draw < share:
            return name, low, high
        draw -= share
    name, _, low, high = PROFILES[-1]
    return name, low, high


def _enrollments(rng: random.Random, schools: list[School], year_days: int) -> list[Enrollment]:
    """Most students attend one school all year; some enter late, move schools or leave."""
    home = rng.choice(schools)
    entry = rng.randrange(1, 40) if rng.random() < LATE_ENTRY_SHARE else 0
    move = rng.random()
    if move < TRANSFER_SHARE and len(schools) > 1:
        day = rng.randrange(entry + 10, year_days - 10)
        other = rng.choice([school for school in schools if school is not home])
        return [Enrollment(home, entry, day - 1), Enrollment(other, day)]
    if move < TRANSFER_SHARE + WITHDRAWAL_SHARE:
        return [Enrollment(home, entry, rng.randrange(entry + 10, year_days - 10))]
    return [Enrollment(home, entry)]
