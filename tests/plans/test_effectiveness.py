"""Intervention effectiveness on plain data, against figures worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from plans.attendance.days import Record, StudentDays
from plans.reports.effectiveness import Comparison, Start, Window, measure
from tests.support.events import school_days

A, B = "255901001", "255901044"
DAYS = school_days(date(2021, 9, 6), 20)
START = DAYS[10]
"""Each intervention starts on the eleventh school day: ten days before it, ten from it."""


def student(absent_days: list[int], closed: int = 20) -> StudentDays:
    return StudentDays.of(
        enrollments=[(A, DAYS[0], None), (B, DAYS[0], None)], closed={A: DAYS[:closed], B: DAYS[:closed]},
        records=[Record(A, DAYS[n], "Unexcused Absence") for n in absent_days],
    )  # fmt: skip


def test_each_kind_and_school_compares_the_n_days_before_with_the_n_after_and_says_how_many_students() -> None:
    days = {
        "s1": student([0, 1, 2, 3, 12]),  # before 6/10 present, after 9/10
        "s2": student([4, 15, 16]),  # before 9/10, after 8/10
        "s3": student([5, 6], closed=15),  # before 8/10; only five days closed after
        "s4": student([11]),  # at school B: before 10/10, after 9/10
    }
    starts = [Start("mentor", A, "s1", START), Start("mentor", A, "s2", START), Start("mentor", A, "s3", START),
              Start("mentor", B, "s4", START)]  # fmt: skip

    at_a, at_b, district = measure(starts, days, school_days=10)

    assert (at_a.code, at_a.school_id, at_a.students) == ("mentor", A, 3)
    assert at_a.before == Window(3, pytest.approx((0.6 + 0.9 + 0.8) / 3, abs=1e-4))
    assert at_a.after == Window(2, pytest.approx((0.9 + 0.8) / 2))
    assert at_a.paired == Comparison(2, pytest.approx(0.75), pytest.approx(0.85))
    assert at_a.paired.change == pytest.approx(0.1)
    assert (at_b.school_id, at_b.before, at_b.after) == (B, Window(1, 1.0), Window(1, 0.9))
    assert (district.school_id, district.students, district.paired.students) == (None, 4, 3)
    assert district.paired.before == pytest.approx((0.6 + 0.9 + 1.0) / 3, abs=1e-4)


def test_a_start_too_early_in_the_year_has_no_before_figure() -> None:
    [at_a, _] = measure([Start("tutoring", A, "s1", DAYS[3])], {"s1": student([0])}, school_days=5)

    assert at_a.before == Window(0, None) and at_a.after == Window(1, 1.0)
    assert at_a.paired == Comparison(0, None, None) and at_a.paired.change is None
