"""A student's school days and a SMART goal measured on them, on plain data."""

from __future__ import annotations

from datetime import date

from plans.attendance.days import Record, StudentDays
from plans.plan.goal import GoalStatus, Progress, Terms, progress
from tests.support.events import school_days

SCHOOL, OTHER = "255901001", "255901044"
DAYS = school_days(date(2021, 10, 4), 15)
"""Three school weeks, Monday 4 October 2021 to Friday 22 October."""


def absent(day: date, excused: bool = False, school: str = SCHOOL) -> Record:
    return Record(school, day, "Excused Absence" if excused else "Unexcused Absence")


def student(*records: Record, closed: int = 15, enrollments=((SCHOOL, DAYS[0], None),)) -> StudentDays:
    return StudentDays.of(enrollments=enrollments, closed={SCHOOL: DAYS[:closed], OTHER: DAYS[:closed]}, records=records)


def test_school_days_are_the_closed_instructional_days_within_each_enrollment() -> None:
    moved = student(enrollments=((SCHOOL, DAYS[0], DAYS[4]), (OTHER, DAYS[7], None)), closed=10)

    assert moved.school_days == (*DAYS[:5], *DAYS[7:10])
    assert moved.starting(DAYS[3], 4) == (DAYS[3], DAYS[4], DAYS[7], DAYS[8])
    assert moved.before(DAYS[8], 3) == (DAYS[3], DAYS[4], DAYS[7])
    assert moved.before(DAYS[1], 3) == (DAYS[0],), "the year has had one school day before"


def test_absences_count_each_date_once_whatever_the_school_and_excused_or_not() -> None:
    days = student(absent(DAYS[1]), absent(DAYS[1], school=OTHER), absent(DAYS[2], excused=True),
                   Record(SCHOOL, DAYS[3], "Tardy", 40))  # fmt: skip

    assert days.absences(DAYS[:5]) == 2
    assert days.attendance_rate(DAYS[:5]) == 0.6
    assert days.attendance_rate(()) is None


def test_a_goal_kept_to_its_last_school_day_is_met_on_that_day() -> None:
    terms = Terms(max_absences=1, school_days=5, start_date=DAYS[5])

    assert progress(terms, student(absent(DAYS[2]), absent(DAYS[6]))) == Progress(GoalStatus.MET, 5, 1, DAYS[9])


def test_one_absence_too_many_misses_the_goal() -> None:
    terms = Terms(max_absences=1, school_days=5, start_date=DAYS[5])

    assert progress(terms, student(absent(DAYS[6]), absent(DAYS[9], excused=True))).status is GoalStatus.MISSED


def test_a_goal_over_the_limit_before_its_window_closes_is_off_track_not_missed() -> None:
    terms = Terms(max_absences=0, school_days=10, start_date=DAYS[0])

    found = progress(terms, student(absent(DAYS[1]), closed=3))
    assert (found.status, found.school_days, found.absences, found.decided) == (GoalStatus.OFF_TRACK, 3, 1, False)
    assert found.review_on == DAYS[9], "seven more weekdays after the third"


def test_a_correction_to_in_attendance_before_the_review_puts_a_goal_back_on_track() -> None:
    terms = Terms(max_absences=0, school_days=10, start_date=DAYS[0])

    assert progress(terms, student(closed=3)).status is GoalStatus.ON_TRACK


def test_a_goal_starting_after_the_last_closed_day_expects_its_review_after_as_many_weekdays() -> None:
    terms = Terms(max_absences=2, school_days=20, start_date=date(2021, 11, 1))

    found = progress(terms, student(closed=15))
    assert (found.status, found.school_days, found.review_on) == (GoalStatus.ON_TRACK, 0, date(2021, 11, 26))


def test_school_days_of_the_window_skip_days_the_student_was_not_enrolled() -> None:
    terms = Terms(max_absences=0, school_days=3, start_date=DAYS[0])
    late = student(absent(DAYS[1]), enrollments=((SCHOOL, DAYS[2], None),))

    assert progress(terms, late) == Progress(GoalStatus.MET, 3, 0, DAYS[4])
