"""The playbook's metrics, computed on hand-built student histories."""

from __future__ import annotations

from datetime import date

import pytest
from eligibility.playbook import DEFAULT_PLAYBOOK, Playbook
from eligibility.rules import (
    DailyRecord,
    Enrollment,
    SchoolDays,
    SectionRecord,
    StudentHistory,
    compute_metrics,
    days_missed,
)
from rollcall_shared.events import AttendanceCategory as Category
from rollcall_shared.events import Metrics

from tests.support.events import school_days

YEAR = 2024  # 2023-07-01 .. 2024-06-30
NORTH, SOUTH = "255901001", "255901044"
FIRST_DAY = date(2023, 9, 4)  # a Monday


DAYS = school_days(FIRST_DAY, 60)
CALENDAR = frozenset(DAYS)


def history(*items: DailyRecord | SectionRecord | Enrollment) -> StudentHistory:
    """A history holding the items in order, a later one replacing an earlier one with its key."""
    built = StudentHistory()
    for item in items:
        if isinstance(item, DailyRecord):
            built.daily[(item.school_id, item.date)] = item
        elif isinstance(item, SectionRecord):
            built.sections[(item.section_id, item.date)] = item
        else:
            built.enrollments[(item.school_id, item.entry_date)] = item
    return built


def daily(
    day: date,
    category: Category,
    minutes: int | None = None,
    reason: str | None = None,
    school: str = NORTH,
) -> DailyRecord:
    return DailyRecord(school, day, category, minutes, reason)


def metrics(
    student: StudentHistory,
    schools: dict[str, SchoolDays] | None = None,
    playbook: Playbook = DEFAULT_PLAYBOOK,
    year: int = YEAR,
) -> Metrics:
    open_north = {NORTH: SchoolDays(CALENDAR, as_of=DAYS[-1])}
    return compute_metrics(
        student, school_year=year, schools=schools or open_north, playbook=playbook
    )


ENROLLED = Enrollment(NORTH, FIRST_DAY)


# absent_days


def test_excused_and_unexcused_absences_count_as_absent_days() -> None:
    student = history(
        daily(DAYS[0], Category.EXCUSED_ABSENCE), daily(DAYS[1], Category.UNEXCUSED_ABSENCE)
    )

    assert metrics(student).absent_days == 2


@pytest.mark.parametrize(
    "category",
    [Category.IN_ATTENDANCE, Category.TARDY, Category.EARLY_DEPARTURE, Category.PARTIAL],
)
def test_attendance_and_part_days_are_not_absent_days(category: Category) -> None:
    student = history(daily(DAYS[0], category, minutes=200))

    assert metrics(student).absent_days == 0


def test_absence_recorded_at_two_schools_on_one_date_counts_once() -> None:
    student = history(
        daily(DAYS[0], Category.UNEXCUSED_ABSENCE, school=NORTH),
        daily(DAYS[0], Category.EXCUSED_ABSENCE, school=SOUTH),
    )

    assert (metrics(student).absent_days, metrics(student).truant_days) == (1, 1)


def test_absence_at_one_school_counts_even_if_another_school_saw_the_student() -> None:
    student = history(
        daily(DAYS[0], Category.IN_ATTENDANCE, school=NORTH),
        daily(DAYS[0], Category.UNEXCUSED_ABSENCE, school=SOUTH),
    )

    assert (metrics(student).absent_days, metrics(student).truant_days) == (1, 1)


def test_correction_replaces_the_earlier_record_of_the_day() -> None:
    student = history(
        daily(DAYS[0], Category.UNEXCUSED_ABSENCE),
        daily(DAYS[0], Category.IN_ATTENDANCE),
    )

    assert (metrics(student).absent_days, metrics(student).truant_days) == (0, 0)


# truant_days


def test_unexcused_absence_counts_as_truant() -> None:
    assert metrics(history(daily(DAYS[0], Category.UNEXCUSED_ABSENCE))).truant_days == 1


def test_excused_absence_is_not_truant() -> None:
    assert metrics(history(daily(DAYS[0], Category.EXCUSED_ABSENCE))).truant_days == 0


@pytest.mark.parametrize("category", [Category.TARDY, Category.EARLY_DEPARTURE, Category.PARTIAL])
def test_tardy_over_30_minutes_counts_as_truant(category: Category) -> None:
    assert metrics(history(daily(DAYS[0], category, minutes=31))).truant_days == 1


def test_tardy_of_exactly_30_minutes_is_not_truant() -> None:
    assert metrics(history(daily(DAYS[0], Category.TARDY, minutes=30))).truant_days == 0


def test_tardy_without_minutes_is_not_truant() -> None:
    assert metrics(history(daily(DAYS[0], Category.TARDY))).truant_days == 0


def test_long_tardy_in_attendance_category_is_not_truant() -> None:
    assert metrics(history(daily(DAYS[0], Category.IN_ATTENDANCE, minutes=90))).truant_days == 0


@pytest.mark.parametrize("reason", ["Medical", "medical", "  MEDICAL "])
def test_excused_reason_excuses_a_long_tardy(reason: str) -> None:
    playbook = Playbook(excused_reasons=("Medical",))
    student = history(daily(DAYS[0], Category.PARTIAL, minutes=120, reason=reason))

    assert metrics(student, playbook=playbook).truant_days == 0


@pytest.mark.parametrize("reason", ["Overslept", None])
def test_reason_outside_the_excused_list_leaves_a_long_tardy_truant(reason: str | None) -> None:
    playbook = Playbook(excused_reasons=("Medical",))
    student = history(daily(DAYS[0], Category.TARDY, minutes=45, reason=reason))

    assert metrics(student, playbook=playbook).truant_days == 1


def test_excused_reason_does_not_excuse_an_unexcused_absence() -> None:
    playbook = Playbook(excused_reasons=("Medical",))
    student = history(daily(DAYS[0], Category.UNEXCUSED_ABSENCE, reason="Medical"))

    assert metrics(student, playbook=playbook).truant_days == 1


def test_truant_minutes_are_configurable() -> None:
    student = history(daily(DAYS[0], Category.TARDY, minutes=20))

    assert metrics(student).truant_days == 0
    assert metrics(student, playbook=Playbook(truant_minutes=15)).truant_days == 1


def test_long_tardy_and_unexcused_absence_on_one_date_count_one_truant_day() -> None:
    student = history(
        daily(DAYS[0], Category.TARDY, minutes=60, school=NORTH),
        daily(DAYS[0], Category.UNEXCUSED_ABSENCE, school=SOUTH),
    )

    assert metrics(student).truant_days == 1


# unexcused_period_absences


def test_unexcused_period_absences_count_section_date_pairs() -> None:
    student = history(
        SectionRecord("math-1", NORTH, DAYS[0], Category.UNEXCUSED_ABSENCE),
        SectionRecord("art-2", NORTH, DAYS[0], Category.UNEXCUSED_ABSENCE),
        SectionRecord("math-1", NORTH, DAYS[1], Category.UNEXCUSED_ABSENCE),
        SectionRecord("art-2", NORTH, DAYS[1], Category.EXCUSED_ABSENCE),
        SectionRecord("art-2", NORTH, DAYS[2], Category.TARDY),
    )

    assert metrics(student).unexcused_period_absences == 3


def test_corrected_period_absence_no_longer_counts() -> None:
    student = history(
        SectionRecord("math-1", NORTH, DAYS[0], Category.UNEXCUSED_ABSENCE),
        SectionRecord("math-1", NORTH, DAYS[0], Category.EXCUSED_ABSENCE),
    )

    assert metrics(student).unexcused_period_absences == 0


# school year


def test_school_year_boundary() -> None:
    june_30, july_1 = date(2024, 6, 30), date(2024, 7, 1)
    student = history(
        daily(june_30, Category.UNEXCUSED_ABSENCE),
        daily(july_1, Category.UNEXCUSED_ABSENCE),
        daily(date(2024, 7, 2), Category.EXCUSED_ABSENCE),
        SectionRecord("math-1", NORTH, june_30, Category.UNEXCUSED_ABSENCE),
        SectionRecord("math-1", NORTH, july_1, Category.UNEXCUSED_ABSENCE),
    )

    assert metrics(student, year=2024) == Metrics(
        absent_days=1, truant_days=1, unexcused_period_absences=1
    )
    assert metrics(student, year=2025) == Metrics(
        absent_days=2, truant_days=1, unexcused_period_absences=1
    )


def test_enrollment_across_the_year_boundary_counts_each_year_its_own_days() -> None:
    calendar = frozenset({date(2024, 6, 28), date(2024, 6, 30), date(2024, 7, 1), date(2024, 7, 2)})
    schools = {NORTH: SchoolDays(calendar, as_of=date(2024, 7, 2))}
    student = history(
        Enrollment(NORTH, date(2024, 6, 1)), daily(date(2024, 7, 1), Category.EXCUSED_ABSENCE)
    )

    assert metrics(student, schools, year=2024).enrolled_days == 2
    assert metrics(student, schools, year=2025).enrolled_days == 2
    assert metrics(student, schools, year=2025).absence_rate == 0.5


# enrolled_days


def test_enrolled_days_count_the_instructional_days_of_an_open_enrollment() -> None:
    assert metrics(history(ENROLLED)).enrolled_days == 60


def test_enrolled_days_stop_at_as_of() -> None:
    schools = {NORTH: SchoolDays(CALENDAR, as_of=DAYS[9])}

    assert metrics(history(ENROLLED), schools).enrolled_days == 10


def test_school_without_as_of_has_no_enrolled_days() -> None:
    schools = {NORTH: SchoolDays(CALENDAR, as_of=None)}
    student = history(ENROLLED, daily(DAYS[0], Category.UNEXCUSED_ABSENCE))

    assert metrics(student, schools) == Metrics(absent_days=1, truant_days=1)


def test_school_unknown_to_eligibility_has_no_enrolled_days() -> None:
    assert metrics(history(Enrollment(SOUTH, FIRST_DAY))).enrolled_days == 0


def test_non_instructional_day_not_enrolled() -> None:
    saturday = date(2023, 9, 9)
    calendar = frozenset({DAYS[0], DAYS[1]})
    schools = {NORTH: SchoolDays(calendar, as_of=DAYS[5])}
    student = history(ENROLLED, daily(saturday, Category.UNEXCUSED_ABSENCE))

    assert metrics(student, schools) == Metrics(
        absent_days=1, truant_days=1, enrolled_days=2, absence_rate=0.0
    )


def test_calendar_correction_changes_enrolled_days() -> None:
    school = SchoolDays(CALENDAR, as_of=DAYS[-1])
    assert metrics(history(ENROLLED), {NORTH: school}).enrolled_days == 60

    school.instructional = school.instructional - {DAYS[0], DAYS[1]}

    assert metrics(history(ENROLLED), {NORTH: school}).enrolled_days == 58


def test_enrollment_window_entry_and_exit() -> None:
    student = history(Enrollment(NORTH, DAYS[3], exit_date=DAYS[12]))

    assert metrics(student).enrolled_days == 10


def test_exit_before_the_first_instructional_day_gives_no_enrolled_days() -> None:
    student = history(Enrollment(NORTH, date(2023, 8, 1), exit_date=date(2023, 8, 31)))

    assert metrics(student) == Metrics(enrolled_days=0, absence_rate=None)


def test_transfer_between_schools_keeps_one_count() -> None:
    schools = {
        NORTH: SchoolDays(CALENDAR, as_of=DAYS[-1]),
        SOUTH: SchoolDays(frozenset(DAYS[:-1]), as_of=DAYS[-1]),
    }
    student = history(
        Enrollment(NORTH, FIRST_DAY, exit_date=DAYS[19]),
        Enrollment(SOUTH, DAYS[19]),  # the transfer day is enrolled at both schools
        daily(DAYS[19], Category.EXCUSED_ABSENCE, school=NORTH),
        daily(DAYS[19], Category.EXCUSED_ABSENCE, school=SOUTH),
    )

    found = metrics(student, schools)
    assert (found.enrolled_days, found.absent_days, found.absence_rate) == (59, 1, round(1 / 59, 4))


def test_re_enrollment_at_the_same_school_counts_both_stays() -> None:
    student = history(
        Enrollment(NORTH, DAYS[0], exit_date=DAYS[4]),
        Enrollment(NORTH, DAYS[10], exit_date=DAYS[14]),
    )

    assert metrics(student).enrolled_days == 10


def test_enrollment_correction_replaces_the_exit_date() -> None:
    student = history(
        Enrollment(NORTH, DAYS[0], exit_date=DAYS[4]),
        Enrollment(NORTH, DAYS[0], exit_date=DAYS[9]),
    )

    assert metrics(student).enrolled_days == 10


# absence_rate


def test_absence_rate_is_absent_enrolled_days_over_enrolled_days() -> None:
    schools = {NORTH: SchoolDays(CALENDAR, as_of=DAYS[40])}
    absences = [daily(day, Category.EXCUSED_ABSENCE) for day in DAYS[:4]]
    student = history(ENROLLED, *absences)

    found = metrics(student, schools)
    assert (found.enrolled_days, found.absence_rate) == (41, 0.0976)


def test_absence_rate_is_none_without_enrolled_days() -> None:
    student = history(daily(DAYS[0], Category.EXCUSED_ABSENCE))

    assert metrics(student).absence_rate is None


def test_record_after_as_of_counts_in_absent_days_but_not_in_rate() -> None:
    schools = {NORTH: SchoolDays(CALENDAR, as_of=DAYS[9])}
    student = history(ENROLLED, daily(DAYS[10], Category.UNEXCUSED_ABSENCE))

    assert metrics(student, schools) == Metrics(
        absent_days=1, truant_days=1, enrolled_days=10, absence_rate=0.0
    )


def test_closing_the_day_brings_a_later_absence_into_the_rate() -> None:
    schools = {NORTH: SchoolDays(CALENDAR, as_of=DAYS[10])}
    student = history(ENROLLED, daily(DAYS[10], Category.UNEXCUSED_ABSENCE))

    assert metrics(student, schools).absence_rate == round(1 / 11, 4)


def test_absence_before_entry_is_not_in_the_rate() -> None:
    student = history(Enrollment(NORTH, DAYS[5]), daily(DAYS[0], Category.UNEXCUSED_ABSENCE))

    found = metrics(student)
    assert (found.absent_days, found.enrolled_days, found.absence_rate) == (1, 55, 0.0)


def test_absence_at_another_school_on_an_enrolled_day_is_in_the_rate() -> None:
    student = history(ENROLLED, daily(DAYS[0], Category.UNEXCUSED_ABSENCE, school=SOUTH))

    assert metrics(student).absence_rate == round(1 / 60, 4)


def test_tardy_is_not_an_absence_in_the_rate() -> None:
    student = history(ENROLLED, daily(DAYS[0], Category.TARDY, minutes=300))

    assert metrics(student).absence_rate == 0.0


def test_days_missed_lists_absent_and_truant_days_in_order_with_the_truant_record_of_a_shared_date() -> None:
    student = history(
        daily(DAYS[5], Category.EXCUSED_ABSENCE),
        daily(DAYS[1], Category.UNEXCUSED_ABSENCE),
        daily(DAYS[3], Category.TARDY, minutes=45),
        daily(DAYS[4], Category.TARDY, minutes=10),
        daily(DAYS[5], Category.UNEXCUSED_ABSENCE, school=SOUTH),
        daily(DAYS[6], Category.IN_ATTENDANCE),
        daily(date(2024, 7, 2), Category.UNEXCUSED_ABSENCE),  # next school year
    )

    missed = days_missed(student, school_year=YEAR, playbook=DEFAULT_PLAYBOOK)

    assert [(day.date, day.category, day.truant) for day in missed] == [
        (DAYS[1], Category.UNEXCUSED_ABSENCE, True),
        (DAYS[3], Category.TARDY, True),
        (DAYS[5], Category.UNEXCUSED_ABSENCE, True),
    ]
