"""District attendance reports: who is counted, where, in which band; on any date, by month, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from eligibility.playbook import DEFAULT_PLAYBOOK
from eligibility.reports.figures import (
    Band,
    CountedStudent,
    Dimension,
    Profile,
    band_of,
    count_student,
    describe,
    figures_of,
    month_ends,
    schools_on,
)
from eligibility.rules import DailyRecord, Enrollment, SchoolDays, StudentHistory
from rollcall_shared.events import AttendanceCategory, GroupPeriod
from tests.eligibility.report_district import DAYS, served_district
from tests.support.events import school_days

ABSENT = AttendanceCategory.UNEXCUSED_ABSENCE
TERM = school_days(date(2021, 9, 1), 20)


def _student(absent: int, enrolled: int) -> CountedStudent:
    return CountedStudent({}, enrolled, absent)


def test_bands_start_at_5_10_and_20_percent_of_days_enrolled():
    bands = [band_of(_student(absent, 400), DEFAULT_PLAYBOOK) for absent in (19, 20, 39, 40, 79, 80)]
    assert bands == [Band.SATISFACTORY, Band.AT_RISK, Band.AT_RISK, Band.MODERATE_CHRONIC, Band.MODERATE_CHRONIC,
                     Band.SEVERE_CHRONIC]  # fmt: skip


def test_figures_are_the_mean_attendance_rate_and_the_share_in_each_band():
    students = [_student(0, 20), _student(1, 20), _student(2, 20), _student(5, 20)]
    figures = figures_of(students, DEFAULT_PLAYBOOK)
    assert figures.students == 4
    assert figures.attendance_rate == pytest.approx((1 + 0.95 + 0.90 + 0.75) / 4)
    assert [figures.share(band) for band in Band] == [0.25, 0.25, 0.25, 0.25]
    assert figures.share(Band.MODERATE_CHRONIC, Band.SEVERE_CHRONIC) == 0.5
    assert figures_of([], DEFAULT_PLAYBOOK).attendance_rate is None


def _mover(closed_at_b: date) -> tuple[StudentHistory, dict[str, SchoolDays]]:
    """At school A in ninth grade for the first 10 days, then at B in tenth; absent one day at each."""
    history = StudentHistory(
        daily={("A", TERM[1]): DailyRecord("A", TERM[1], ABSENT), ("B", TERM[12]): DailyRecord("B", TERM[12], ABSENT)},
        enrollments={("A", TERM[0]): Enrollment("A", TERM[0], TERM[9], "Ninth grade"),
                     ("B", TERM[10]): Enrollment("B", TERM[10], None, "Tenth grade")},
    )  # fmt: skip
    calendar = frozenset(TERM)
    return history, {"A": SchoolDays(calendar, TERM[-1]), "B": SchoolDays(calendar, closed_at_b)}


@pytest.mark.parametrize(
    ("as_of", "closed_at_b", "expected"),
    [
        (TERM[19], TERM[19], ("B", "Tenth grade", 20, 2)),  # one count across both schools
        (TERM[19], TERM[14], ("B", "Tenth grade", 15, 2)),  # B's days count only as far as B has closed them
        (TERM[9], TERM[19], ("A", "Ninth grade", 10, 1)),  # placed where they were then
        (TERM[8], TERM[19], None),  # 9 days enrolled: not counted yet
    ],
)
def test_a_student_is_counted_district_wide_and_placed_at_the_latest_enrollment_begun(as_of, closed_at_b, expected):
    history, calendars = _mover(closed_at_b)
    schools = schools_on(calendars, as_of)
    counted = count_student(history, Profile(), school_year=2022, as_of=as_of, schools=schools, playbook=DEFAULT_PLAYBOOK)
    got = None if counted is None else (counted.values[Dimension.SCHOOL], counted.values[Dimension.GRADE],
                                        counted.enrolled_days, counted.absent_days)  # fmt: skip
    assert got == expected


def test_a_student_is_in_a_program_when_a_period_overlaps_the_year_up_to_the_day():
    profile = Profile(sex="Female", periods=(
        GroupPeriod(group="english-learner", begin_date=date(2019, 8, 1)),
        GroupPeriod(group="special-education", begin_date=date(2019, 8, 1), end_date=date(2021, 6, 30)),
        GroupPeriod(group="homeless", begin_date=date(2021, 10, 1)),
        GroupPeriod(group="foster-care", begin_date=date(2021, 7, 1), end_date=date(2021, 7, 1)),
    ))  # fmt: skip
    values = describe(Enrollment("A", date(2021, 8, 20)), profile, date(2021, 7, 1), date(2021, 9, 30))
    unknown = describe(Enrollment("A", date(2021, 8, 20)), Profile(), date(2021, 7, 1), date(2021, 9, 30))
    assert [values[d] for d in (Dimension.SEX, Dimension.RACE_ETHNICITY, Dimension.GRADE)] == ["Female", "Not reported",
                                                                                            "Not reported"]  # fmt: skip
    assert [values[d] for d in (Dimension.ENGLISH_LEARNER, Dimension.SPECIAL_EDUCATION, Dimension.HOMELESS,
                                Dimension.FOSTER_CARE, Dimension.ECONOMICALLY_DISADVANTAGED)] == ["yes", "no", "no",
                                                                                                 "yes", "no"]  # fmt: skip
    assert unknown[Dimension.SEX] == "Not reported" and unknown[Dimension.ENGLISH_LEARNER] == "no"


def test_the_trend_runs_to_each_month_end_from_the_first_school_day_to_the_last_closed_one():
    calendars = {"A": SchoolDays(frozenset(school_days(date(2021, 8, 23), 60)), date(2021, 11, 10)),
                 "B": SchoolDays(frozenset(), None)}  # fmt: skip
    assert month_ends(calendars, 2022, date(2022, 5, 1)) == [date(2021, 8, 31), date(2021, 9, 30),
                                                             date(2021, 10, 31), date(2021, 11, 10)]  # fmt: skip
    assert month_ends(calendars, 2022, date(2021, 10, 15)) == [date(2021, 8, 31), date(2021, 9, 30), date(2021, 10, 15)]
    assert month_ends({"B": SchoolDays(frozenset(TERM), None)}, 2022, date(2022, 5, 1)) == []


# End to end: the district of report_district.py, fed through the consumer; every figure below worked out by hand.


@pytest.fixture(scope="module")
async def reports(kafka_bootstrap, databases):
    async with served_district(kafka_bootstrap, databases) as served:
        yield served


def _row(by: dict[str, str], students: int, rate: float, *bands: float) -> dict:
    satisfactory, at_risk, moderate, severe = bands
    return {"by": by, "students": students, "averageAttendanceRate": rate, "satisfactory": satisfactory,
            "atRisk": at_risk, "moderateChronic": moderate, "severeChronic": severe, "suppressed": False}  # fmt: skip


WITHHELD = {"students": None, "averageAttendanceRate": None, "satisfactory": None, "atRisk": None,
            "moderateChronic": None, "severeChronic": None, "suppressed": True}  # fmt: skip
END = _row({}, 13, 0.9462, 0.5385, 0.1538, 0.2308, 0.0769)
"""Rates .05 .1 .2 .025 .075 .15 .1 and six 0: 1 - 0.7 / 13; bands 7, 2, 3 and 1 of 13 (s14 has 5 days)."""


@pytest.mark.integration
async def test_the_report_by_school_and_grade_is_the_figures_worked_out_by_hand(reports):
    client, path = reports
    answer = await client.get(f"{path}/attendance", params={"groupBy": "school,grade", "asOf": DAYS[-1].isoformat()})
    report = answer.json()
    assert answer.status_code == 200, report
    assert (report["schoolYear"], report["asOf"], report["groupBy"]) == (2022, "2021-10-26", ["school", "grade"])
    assert (report["suppressed"], report["minimumStudents"], report["minimumEnrolledDays"]) == (False, 3, 10)
    assert report["rows"] == [
        _row({"school": "100", "grade": "Ninth grade"}, 4, 0.9125, 0.25, 0.25, 0.25, 0.25),  # s01-s04: 0 .05 .1 .2
        _row({"school": "100", "grade": "Tenth grade"}, 3, 0.9917, 1, 0, 0, 0),  # s05-s07: 0 .025 0, s05 corrected
        _row({"school": "200", "grade": "Ninth grade"}, 1, 0.925, 0, 1, 0, 0),  # s09: .075
        _row({"school": "200", "grade": "Not reported"}, 1, 1, 1, 0, 0, 0),  # s12
        _row({"school": "200", "grade": "Tenth grade"}, 4, 0.9375, 0.5, 0, 0.5, 0),  # s08 s10 s11 s13: 0 .15 0 .1
    ]
    assert report["total"] == END


@pytest.mark.integration
async def test_a_past_day_shows_the_picture_then_and_groups_as_they_stood(reports):
    client, path = reports
    past = (await client.get(f"{path}/attendance", params={"groupBy": "school", "asOf": DAYS[16].isoformat()})).json()
    learners = {
        day: (await client.get(f"{path}/attendance", params={"groupBy": "englishLearner", "asOf": day})).json()["rows"]
        for day in (DAYS[16].isoformat(), DAYS[-1].isoformat())
    }
    # 17 days; s13 still at 100, s14 not enrolled yet. 100: 1/17 2/17 8/17 2/17 and four 0; 200: 3/17 and four 0.
    assert past["rows"] == [
        _row({"school": "100"}, 8, 0.9044, 0.5, 0.125, 0.25, 0.125),  # 1 - 13 / (8 * 17)
        _row({"school": "200"}, 5, 0.9647, 0.8, 0, 0.2, 0),  # 1 - 3 / (5 * 17)
    ]
    assert past["total"] == _row({}, 13, 0.9276, 0.6154, 0.0769, 0.2308, 0.0769)  # 1 - 16 / (13 * 17)
    # s01 learns English all year, s03 from 1 Oct; s02's period ended before the year.
    assert [(r["by"], r["students"]) for r in learners[DAYS[16].isoformat()]] == [({"englishLearner": "no"}, 12),
                                                                                 ({"englishLearner": "yes"}, 1)]  # fmt: skip
    assert learners[DAYS[-1].isoformat()][1] == _row({"englishLearner": "yes"}, 2, 0.95, 0.5, 0, 0.5, 0)


@pytest.mark.integration
async def test_unknown_characteristics_are_not_reported_and_unknown_programs_are_no(reports):
    client, path = reports
    counts = {}
    for dimension in ("sex", "specialEducation", "homeless", "fosterCare"):
        answer = await client.get(f"{path}/attendance", params={"groupBy": dimension, "asOf": DAYS[-1].isoformat()})
        counts[dimension] = [(row["by"][dimension], row["students"]) for row in answer.json()["rows"]]
    assert counts == {
        "sex": [("Female", 2), ("Male", 2), ("Not reported", 9)],
        "specialEducation": [("no", 12), ("yes", 1)],
        "homeless": [("no", 12), ("yes", 1)],
        "fosterCare": [("no", 13)],
    }


@pytest.mark.integration
async def test_suppression_withholds_small_cells_and_the_smallest_that_would_give_one_away(reports):
    client, path = reports
    params = {"groupBy": "grade", "asOf": DAYS[-1].isoformat()}
    open_report = (await client.get(f"{path}/attendance", params=params)).json()
    published = (await client.get(f"{path}/attendance", params=params | {"suppress": "true"})).json()
    exported = await client.get(f"{path}/attendance.csv", params=params)
    tenth = _row({"grade": "Tenth grade"}, 7, 0.9607, 0.7143, 0, 0.2857, 0)  # 0 .025 0 0 .15 0 .1: 1 - .275 / 7
    assert [r["students"] for r in open_report["rows"]] == [5, 1, 7] and open_report["suppressed"] is False
    # Not reported (1 < 3) is withheld; the district total less Tenth would give it, so Ninth (5) is withheld too.
    assert published["rows"] == [{"by": {"grade": "Ninth grade"}, **WITHHELD}, {"by": {"grade": "Not reported"}, **WITHHELD},
                                 tenth]  # fmt: skip
    assert published["total"] == END and published["suppressed"] is True
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(line["grade"], line["students"], line["averageAttendanceRate"], line["suppressed"]) for line in lines] == [
        ("Ninth grade", "", "", "true"), ("Not reported", "", "", "true"), ("Tenth grade", "7", "0.9607", "false"),
        ("All", "13", "0.9462", "false"),
    ]  # fmt: skip
    assert list(lines[0]) == ["districtId", "schoolYear", "asOf", "grade", "students", "averageAttendanceRate",
                              "satisfactory", "atRisk", "moderateChronic", "severeChronic", "suppressed"]  # fmt: skip
    assert not any(f"s{n:02d}" in exported.text for n in range(1, 15))


@pytest.mark.integration
async def test_the_trend_gives_each_month_end_through_the_last_closed_day(reports):
    client, path = reports
    trend = (await client.get(f"{path}/attendance/trend", params={"schoolYear": 2022})).json()
    end = (await client.get(f"{path}/attendance", params={"groupBy": "school", "asOf": DAYS[-1].isoformat()})).json()
    assert [(m["month"], m["asOf"]) for m in trend["months"]] == [("2021-09", "2021-09-30"), ("2021-10", "2021-10-26")]
    september = trend["months"][0]
    # 22 days: 1 2 8 1 3 2 absences (s02 s03 s04 s06 s09 s13): 1 - 17 / (13 * 22); bands 9, 2, 1 and 1 of 13.
    assert september["total"] == _row({}, 13, 0.9406, 0.6923, 0.1538, 0.0769, 0.0769)
    assert [r["by"]["school"] for r in september["rows"]] == ["100", "200"]
    assert september["rows"][0]["students"] == 7  # s13 is at 200 from 29 Sep
    assert trend["months"][1]["rows"] == end["rows"] and trend["months"][1]["total"] == END


@pytest.mark.integration
@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"groupBy": "school,classroom"}, 400, "groupBy: classroom is no dimension"),
        ({"groupBy": ["sex", "homeless"]}, 400, "one student group at a time, not sex and homeless"),
        ({"schoolYear": 2022, "asOf": "2022-07-01"}, 400, "asOf: 2022-07-01 is not in school year 2022"),
        ({"asOf": "2199-01-01"}, 400, "asOf: 2199-01-01 is in the future"),
        ({"asOf": "last week"}, 422, "asOf"),
        ({"asOf": "0001-01-01"}, 422, "asOf: Input should be greater than or equal to 1899-07-01"),
        ({"asOf": "9999-12-31"}, 422, "asOf: Input should be less than or equal to 2200-06-30"),
    ],
)
async def test_a_bad_request_is_refused_naming_what_is_wrong(reports, params, status, says):
    client, path = reports
    answer = await client.get(f"{path}/attendance", params=params)
    assert answer.status_code == status and says in answer.json()["detail"], answer.text
    assert answer.headers["content-type"] == "application/problem+json"
