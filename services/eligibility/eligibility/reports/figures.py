"""A district's attendance figures on plain data: who is counted on a date, where, and in which band."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from rollcall_shared.events import GroupName, GroupPeriod

from eligibility.playbook import Playbook
from eligibility.rules import ABSENCES, Enrollment, SchoolDays, StudentHistory, compute_metrics


class Dimension(StrEnum):
    SCHOOL = "school"
    GRADE = "grade"
    SEX = "sex"
    RACE_ETHNICITY = "raceEthnicity"
    ENGLISH_LEARNER = "englishLearner"
    SPECIAL_EDUCATION = "specialEducation"
    ECONOMICALLY_DISADVANTAGED = "economicallyDisadvantaged"
    HOMELESS = "homeless"
    FOSTER_CARE = "fosterCare"


PROGRAMS: dict[Dimension, GroupName] = {
    Dimension.ENGLISH_LEARNER: "english-learner",
    Dimension.SPECIAL_EDUCATION: "special-education",
    Dimension.ECONOMICALLY_DISADVANTAGED: "economically-disadvantaged",
    Dimension.HOMELESS: "homeless",
    Dimension.FOSTER_CARE: "foster-care",
}
STUDENT_GROUPS = (Dimension.SEX, Dimension.RACE_ETHNICITY, *PROGRAMS)
"""The student-group dimensions: a report breaks down by one of them at most."""
NOT_REPORTED = "Not reported"


class Band(StrEnum):
    """Attendance Works' bands of a student's absence rate."""

    SATISFACTORY = "satisfactory"
    AT_RISK = "atRisk"
    MODERATE_CHRONIC = "moderateChronic"
    SEVERE_CHRONIC = "severeChronic"


@dataclass(frozen=True)
class Profile:
    """What ingest last said of a student's groups."""

    sex: str | None = None
    race_ethnicity: str | None = None
    periods: tuple[GroupPeriod, ...] = ()


@dataclass(frozen=True)
class CountedStudent:
    """A student a report counts on one date: the value of every dimension, and their district-wide days."""

    values: Mapping[Dimension, str]
    enrolled_days: int
    absent_days: int


@dataclass(frozen=True)
class Figures:
    students: int
    attendance_rate: float | None
    """The mean over the students of 1 - absence rate; None without students."""
    bands: Mapping[Band, int] = field(default_factory=dict)
    """Students in each band."""

    def share(self, *bands: Band) -> float | None:
        return sum(self.bands.get(band, 0) for band in bands) / self.students if self.students else None


def rate_inputs(history: StudentHistory) -> StudentHistory:
    """Only what the absence rate reads (absences and enrollments), so each date a report asks for is cheap."""
    absences = {key: record for key, record in history.daily.items() if record.category in ABSENCES}
    return StudentHistory(daily=absences, enrollments=history.enrollments)


def schools_on(calendars: Mapping[str, SchoolDays], as_of: date) -> dict[str, SchoolDays]:
    """Each school's days as a report on `as_of` sees them: closed through `as_of` at the latest."""
    return {
        school_id: SchoolDays(days.instructional, None if days.as_of is None else min(days.as_of, as_of))
        for school_id, days in calendars.items()
    }


def count_student(
    history: StudentHistory,
    profile: Profile,
    *,
    school_year: int,
    as_of: date,
    schools: Mapping[str, SchoolDays],
    playbook: Playbook,
) -> CountedStudent | None:
    """The student as a report on `as_of` counts them; None while enrolled fewer than `rate_min_enrolled_days`."""
    metrics = compute_metrics(history, school_year=school_year, schools=schools, playbook=playbook)
    first = date(school_year - 1, 7, 1)
    placed = placement(history.enrollments.values(), first, as_of)
    if metrics.enrolled_days < playbook.rate_min_enrolled_days or placed is None:
        return None
    # The rate is rounded to 4 places: times fewer than 10,000 days it rounds back to the exact count.
    absent = round((metrics.absence_rate or 0.0) * metrics.enrolled_days)
    return CountedStudent(describe(placed, profile, first, as_of), metrics.enrolled_days, absent)


def placement(enrollments: Iterable[Enrollment], year_first: date, as_of: date) -> Enrollment | None:
    """The latest enrollment of the school year that started on or before `as_of` (the higher school id on a tie)."""
    started = [e for e in enrollments if e.entry_date <= as_of and (e.exit_date is None or e.exit_date >= year_first)]
    return max(started, key=lambda e: (e.entry_date, e.school_id), default=None)


def describe(placed: Enrollment, profile: Profile, first: date, last: date) -> dict[Dimension, str]:
    """Every dimension's value; a program counts when one of its periods overlaps `first`..`last`."""
    groups = {
        period.group
        for period in profile.periods
        if (period.begin_date is None or period.begin_date <= last) and (period.end_date is None or period.end_date >= first)
    }
    return {
        Dimension.SCHOOL: placed.school_id,
        Dimension.GRADE: placed.grade_level or NOT_REPORTED,
        Dimension.SEX: profile.sex or NOT_REPORTED,
        Dimension.RACE_ETHNICITY: profile.race_ethnicity or NOT_REPORTED,
        **{dimension: "yes" if group in groups else "no" for dimension, group in PROGRAMS.items()},
    }


def band_of(student: CountedStudent, playbook: Playbook) -> Band:
    """The band of the student's absence rate; its lines are the playbook's rate rules (5%, 10%, 20% by default)."""
    rate = student.absent_days / student.enrolled_days
    if rate >= playbook.severe_chronic.crosses_at:
        return Band.SEVERE_CHRONIC
    if rate >= playbook.chronic.crosses_at:
        return Band.MODERATE_CHRONIC
    return Band.AT_RISK if rate >= playbook.chronic_risk.crosses_at else Band.SATISFACTORY


def figures_of(students: Sequence[CountedStudent], playbook: Playbook) -> Figures:
    if not students:
        return Figures(0, None)
    bands: dict[Band, int] = dict.fromkeys(Band, 0)
    for student in students:
        bands[band_of(student, playbook)] += 1
    attended = sum(1 - student.absent_days / student.enrolled_days for student in students)
    return Figures(len(students), attended / len(students), bands)


def tabulate(
    students: Iterable[CountedStudent], dimensions: Sequence[Dimension], playbook: Playbook
) -> dict[tuple[str, ...], Figures]:
    """The figures of each combination of the dimensions' values that has a student, in order of those values."""
    cells: dict[tuple[str, ...], list[CountedStudent]] = defaultdict(list)
    for student in students:
        cells[tuple(student.values[dimension] for dimension in dimensions)].append(student)
    return {key: figures_of(cells[key], playbook) for key in sorted(cells)}


def month_ends(calendars: Mapping[str, SchoolDays], school_year: int, through: date) -> list[date]:
    """The end of each month of the school year from its first instructional day, through the last closed day
    (and `through`); a month not yet over ends on that day."""
    first, last = date(school_year - 1, 7, 1), date(school_year, 6, 30)
    days = [day for school in calendars.values() for day in school.instructional if first <= day <= last]
    closed = [school.as_of for school in calendars.values() if school.as_of is not None and school.as_of >= first]
    if not days or not closed:
        return []
    end = min(max(closed), through, last)
    ends, month = [], min(days).replace(day=1)
    while month <= end:
        following = (month + timedelta(days=31)).replace(day=1)
        ends.append(min(following - timedelta(days=1), end))
        month = following
    return ends
