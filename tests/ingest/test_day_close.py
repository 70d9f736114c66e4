"""Day close: a school's attendance becomes final, and each enrolled student hears of it."""

from __future__ import annotations

import pytest

from rollcall_shared import topics

from tests.ingest.builders import calendar_date, enrollment, path

pytestmark = pytest.mark.integration

SCHOOL = "255901001"


async def close(ingest, district_id: str, day: str, school: str = SCHOOL) -> dict:
    answer = await ingest.post(f"/v1/districts/{district_id}/schools/{school}/closed-days", {"date": day})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def closes(ingest, district_id: str) -> dict[str, list[tuple[str, list[str]]]]:
    """Each student's day closes, in the order the student received them."""
    by_student: dict[str, list[tuple[str, list[str]]]] = {}
    for _, e in await ingest.published(topics.ATTENDANCE, district_id):
        if e["type"] == "school-day.closed":
            by_student.setdefault(e["studentId"], []).append((e["closedThrough"], e["instructionalDays"]))
    return by_student


@pytest.fixture
async def school_with_students(ingest, district_id):
    await ingest.post(path(district_id, "studentSchoolAssociations"), [
        enrollment("A", SCHOOL, "2021-08-23"),
        enrollment("B", SCHOOL, "2021-08-23", exit="2021-09-03"),
        enrollment("C", SCHOOL, "2021-10-01"),
        enrollment("D", "255901044", "2021-08-23"),
    ])
    await ingest.post(path(district_id, "calendarDates"), [
        calendar_date(SCHOOL, "2021-09-01"),
        calendar_date(SCHOOL, "2021-09-02"),
        calendar_date(SCHOOL, "2021-09-06", event="Holiday"),
        calendar_date(SCHOOL, "2021-09-07"),
        calendar_date(SCHOOL, "2021-09-13"),
    ])


async def test_day_close_fans_out_one_event_per_student_enrolled_then(ingest, district_id, school_with_students):
    answer = await close(ingest, district_id, "2021-09-07")

    assert answer == {"accepted": 1, "duplicates": 0, "rejected": []}
    days = ["2021-09-01", "2021-09-02", "2021-09-07"]
    assert await closes(ingest, district_id) == {"A": [("2021-09-07", days)], "B": [("2021-09-07", days)]}


async def test_next_close_carries_only_the_newly_closed_days_to_students_enrolled_in_them(
    ingest, district_id, school_with_students
):
    await close(ingest, district_id, "2021-09-07")

    await close(ingest, district_id, "2021-09-13")

    received = await closes(ingest, district_id)
    assert received["A"][1:] == [("2021-09-13", ["2021-09-13"])]
    assert len(received["B"]) == 1, "B left before the newly closed days"


async def test_each_close_gives_its_events_one_close_id_and_their_number(ingest, district_id, school_with_students):
    await close(ingest, district_id, "2021-09-07")
    await close(ingest, district_id, "2021-09-13")

    by_close: dict[str, list[tuple[str, int]]] = {}
    for _, e in await ingest.published(topics.ATTENDANCE, district_id):
        if e["type"] == "school-day.closed":
            by_close.setdefault(e["closeId"], []).append((e["closedThrough"], e["closeSize"]))
    assert sorted(by_close.values()) == [[("2021-09-07", 2)] * 2, [("2021-09-13", 1)]]


async def test_close_at_or_before_as_of_is_a_duplicate(ingest, district_id, school_with_students):
    await close(ingest, district_id, "2021-09-07")

    same = await close(ingest, district_id, "2021-09-07")
    earlier = await close(ingest, district_id, "2021-09-01")

    assert same == earlier == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert [len(received) for received in (await closes(ingest, district_id)).values()] == [1, 1]


async def test_late_calendar_correction_reaches_students_of_the_closed_days(
    ingest, district_id, school_with_students
):
    await close(ingest, district_id, "2021-09-07")

    answer = await ingest.post(path(district_id, "calendarDates"), [
        calendar_date(SCHOOL, "2021-09-02", event="Holiday"),
        calendar_date(SCHOOL, "2021-09-03"),
    ])

    assert answer.json()["accepted"] == 2
    received = await closes(ingest, district_id)
    assert received["A"][1:] == received["B"][1:] == [("2021-09-07", ["2021-09-03"])]


async def test_enrollment_at_a_closed_school_carries_the_days_already_final_there(
    ingest, district_id, school_with_students
):
    await close(ingest, district_id, "2021-09-13")

    await ingest.post(path(district_id, "studentSchoolAssociations"), [
        enrollment("E", SCHOOL, "2021-09-03"),
        enrollment("F", "255901044", "2021-09-03"),
    ])

    events = await ingest.published(topics.ATTENDANCE, district_id)
    enrolled = {e["studentId"]: e["schoolClosedThrough"] for _, e in events if e["type"] == "enrollment.recorded"}
    assert enrolled == {"A": None, "B": None, "C": None, "D": None, "E": "2021-09-13", "F": None}


async def test_closed_day_must_be_a_date(ingest, district_id):
    answer = await ingest.post(f"/v1/districts/{district_id}/schools/{SCHOOL}/closed-days", {"date": "soon"})

    assert answer.status_code == 422
    assert answer.json()["errors"] == ["date: not a date"]
