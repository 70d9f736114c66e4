"""The demo district generator: deterministic, Ed-Fi shaped, mixed like a real district."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date
from itertools import islice

import pytest

from notifications.channels.sms import mobile_number
from notifications.roster.documents import guardian_row
from rollcall_dev.district import DayClosed, District, Records
from rollcall_dev.school_year import school_days

SCHOOL_YEAR = 2026
ABSENCES = ("Excused Absence", "Unexcused Absence")
Step = Records | DayClosed


def records(steps: list[Step], resource: str) -> list[dict]:
    return [
        item
        for step in steps
        if isinstance(step, Records) and step.resource == resource
        for item in step.items
    ]


def category(event: dict) -> str:
    return event["attendanceEventCategoryDescriptor"].rsplit("#", 1)[1]


def final_daily(steps: list[Step]) -> dict[tuple[str, str, str], dict]:
    """The current daily record of each (student, school, date); a later one replaces earlier."""
    return {
        (
            e["studentReference"]["studentUniqueId"],
            e["schoolReference"]["schoolId"],
            e["eventDate"],
        ): e
        for e in records(steps, "studentSchoolAttendanceEvents")
    }


def enrollment_windows(steps: list[Step]) -> dict[str, list[tuple[str, str, str]]]:
    """(school, entry, last day) of each student's enrollments; a later record replaces earlier."""
    latest = {
        (
            a["studentReference"]["studentUniqueId"],
            a["schoolReference"]["schoolId"],
            a["entryDate"],
        ): a
        for a in records(steps, "studentSchoolAssociations")
    }
    windows: dict[str, list[tuple[str, str, str]]] = {}
    for (student, school, entry), association in latest.items():
        windows.setdefault(student, []).append(
            (school, entry, association["exitWithdrawDate"] or "9999-12-31")
        )
    return windows


def school_day_before(day: str) -> str:
    days = [d.isoformat() for d in school_days()]
    return days[days.index(day) - 1]


@pytest.fixture(scope="module")
def district() -> District:
    return District(students=600, days=60)


@pytest.fixture(scope="module")
def steps(district: District) -> list[Records | DayClosed]:
    return list(district.replay())


def test_the_same_seed_replays_the_same_district() -> None:
    first = list(District(students=120, days=30, seed=7).replay())
    again = District(students=120, days=30, seed=7)
    assert list(again.replay()) == first
    assert list(again.replay()) == first, "a second replay of one district is the same"
    assert list(District(students=120, days=30, seed=8).replay()) != first


def test_calendar_marks_weekdays_instructional_and_holidays_not(
    district: District, steps: list
) -> None:
    calendar = records(steps, "calendarDates")
    events = {
        (r["calendarReference"]["schoolId"], r["date"]): r["calendarEvents"] for r in calendar
    }
    school = district.schools[0].school_id
    assert events[school, "2025-08-18"] == [
        {"calendarEventDescriptor": "uri://ed-fi.org/CalendarEventDescriptor#Instructional day"}
    ]
    assert events[school, "2025-09-01"][0]["calendarEventDescriptor"].endswith("#Holiday")
    assert (school, "2025-08-23") not in events, "weekends have no calendar entry"
    assert all(date.fromisoformat(day).weekday() < 5 for _, day in events)
    assert calendar[0]["calendarReference"] == {
        "calendarCode": district.schools[0].calendar_code,
        "schoolId": school,
        "schoolYear": SCHOOL_YEAR,
    }


def test_records_have_the_ed_fi_api_shape(steps: list) -> None:
    association = records(steps, "studentSchoolAssociations")[0]
    assert set(association) == {
        "studentReference", "schoolReference", "entryDate", "exitWithdrawDate",
        "entryGradeLevelDescriptor",
    }  # fmt: skip
    assert association["entryGradeLevelDescriptor"].startswith(
        "uri://ed-fi.org/GradeLevelDescriptor#"
    )
    for event in records(steps, "studentSchoolAttendanceEvents"):
        assert set(event) - {"schoolAttendanceDuration"} == {
            "studentReference", "schoolReference", "sessionReference", "eventDate",
            "attendanceEventCategoryDescriptor", "attendanceEventReason",
        }  # fmt: skip
        assert event["sessionReference"]["schoolId"] == event["schoolReference"]["schoolId"]
        assert event["sessionReference"]["schoolYear"] == SCHOOL_YEAR
        assert event["attendanceEventCategoryDescriptor"].startswith(
            "uri://ed-fi.org/AttendanceEventCategoryDescriptor#"
        )
        date.fromisoformat(event["eventDate"])
    for event in records(steps, "studentSectionAttendanceEvents"):
        assert set(event["sectionReference"]) == {
            "localCourseCode", "schoolId", "schoolYear", "sectionIdentifier", "sessionName",
        }  # fmt: skip


def test_only_late_arrivals_and_early_departures_carry_minutes(steps: list) -> None:
    timed = Counter()
    for event in records(steps, "studentSchoolAttendanceEvents"):
        minutes = event.get("schoolAttendanceDuration")
        assert (minutes is not None) == (category(event) in ("Tardy", "Early departure"))
        if minutes is not None:
            assert isinstance(minutes, int) and minutes > 0
            timed["over 30" if minutes > 30 else "up to 30"] += 1
    assert timed["up to 30"] > timed["over 30"] > 0


def test_about_fifteen_percent_of_students_are_chronically_absent(
    district: District, steps: list
) -> None:
    absent = Counter(
        student
        for (student, _, _), event in final_daily(steps).items()
        if category(event) in ABSENCES
    )
    windows = enrollment_windows(steps)
    days = [day.isoformat() for day in district.school_days]
    rates = []
    for student in district.students:
        enrolled = sum(
            1 for day in days if any(a <= day <= b for _, a, b in windows[student.student_id])
        )
        rates.append(absent[student.student_id] / enrolled)
    chronic = sum(rate >= 0.10 for rate in rates) / len(rates)
    rarely = sum(rate < 0.05 for rate in rates) / len(rates)
    assert 0.10 <= chronic <= 0.20
    assert rarely >= 0.6


def test_some_students_are_truant(district: District, steps: list) -> None:
    unexcused = Counter(
        student
        for (student, _, _), event in final_daily(steps).items()
        if category(event) == "Unexcused Absence"
    )
    truant = sum(count >= 3 for count in unexcused.values()) / len(district.students)
    assert 0.02 <= truant <= 0.2


def test_corrections_replace_an_unexcused_absence_days_later(steps: list) -> None:
    seen: dict[tuple[str, str, str], list[str]] = {}
    closed_through = ""
    corrected_after_close = 0
    for step in steps:
        if isinstance(step, DayClosed):
            closed_through = step.date.isoformat()
        elif step.resource == "studentSchoolAttendanceEvents":
            for event in step.items:
                student = event["studentReference"]["studentUniqueId"]
                key = (student, event["schoolReference"]["schoolId"], event["eventDate"])
                history = seen.setdefault(key, [])
                if history and history[-1] != category(event):
                    assert history[-1] == "Unexcused Absence"
                    assert category(event) in ("Excused Absence", "In Attendance")
                    corrected_after_close += event["eventDate"] <= closed_through
                history.append(category(event))
    assert corrected_after_close >= 5


def test_attendance_falls_on_instructional_days_inside_an_enrollment(
    district: District, steps: list
) -> None:
    instructional = {day.isoformat() for day in school_days()}
    windows = enrollment_windows(steps)
    attendance = records(steps, "studentSchoolAttendanceEvents") + records(
        steps, "studentSectionAttendanceEvents"
    )
    assert attendance
    for event in attendance:
        student = event["studentReference"]["studentUniqueId"]
        school = (event.get("schoolReference") or event["sectionReference"])["schoolId"]
        assert event["eventDate"] in instructional
        assert any(s == school and a <= event["eventDate"] <= b for s, a, b in windows[student])


def test_some_students_move_schools_mid_year(steps: list) -> None:
    windows = enrollment_windows(steps)
    moves = [spans for spans in windows.values() if len({school for school, _, _ in spans}) > 1]
    assert len(moves) >= 3
    for (old, _, left), (new, entered, _) in (sorted(spans, key=lambda s: s[1]) for spans in moves):
        assert old != new
        assert left == school_day_before(entered)


def test_each_school_closes_each_day_after_its_records(district: District, steps: list) -> None:
    closes = [step for step in steps if isinstance(step, DayClosed)]
    assert closes == [
        DayClosed(school.school_id, day)
        for day in district.school_days
        for school in district.schools
    ]
    days_closed = 0
    for step in steps:
        if isinstance(step, DayClosed):
            days_closed += step.school_id == district.schools[-1].school_id
        elif "eventDate" in step.items[0]:
            today = district.school_days[days_closed].isoformat()
            assert all(event["eventDate"] <= today for event in step.items)


def test_period_absences_are_in_high_school_sections(district: District, steps: list) -> None:
    high_schools = {school.school_id for school in district.schools if 9 in school.grades}
    sections = records(steps, "studentSectionAttendanceEvents")
    assert len(sections) > 50
    assert {event["sectionReference"]["schoolId"] for event in sections} <= high_schools


def test_expected_counts_agree_with_the_records(district: District, steps: list) -> None:
    absent = Counter(
        student
        for (student, _, _), event in final_daily(steps).items()
        if category(event) in ABSENCES
    )
    periods = Counter(
        e["studentReference"]["studentUniqueId"]
        for e in records(steps, "studentSectionAttendanceEvents")
    )
    for student in district.students:
        expected = district.expected(student)
        assert expected.absent_days == absent[student.student_id]
        assert expected.unexcused_period_absences == periods[student.student_id]
    assert set(district.examples()) == {
        "severe chronic", "chronic", "truant", "skips periods", "moved schools", "rarely absent",
    }  # fmt: skip


def test_batches_stay_within_the_batch_size() -> None:
    sizes = [
        len(step.items)
        for step in District(students=300, days=20, batch_size=50).replay()
        if isinstance(step, Records)
    ]
    assert max(sizes) == 50


def test_a_large_district_streams_without_generating_the_year_first() -> None:
    started = time.monotonic()
    district = District(students=50_000, schools=60)
    first_day = list(islice((s for s in district.replay() if isinstance(s, DayClosed)), 60))
    assert first_day[-1].date == district.school_days[0]
    assert time.monotonic() - started < 15


# The families: students, guardians and who lives with whom, as notifications reads them.


@pytest.fixture(scope="module")
def roster(district: District) -> dict[str, list[dict]]:
    return {resource: records(list(district.roster()), resource) for resource in RESOURCES}


RESOURCES = ("students", "contacts", "studentContactAssociations")


def test_the_roster_names_every_student_once_and_every_guardian_it_links(
    district: District, roster: dict[str, list[dict]]
) -> None:
    students = [s["studentUniqueId"] for s in roster["students"]]
    assert sorted(students) == sorted(s.student_id for s in district.students)
    contacts = {c["contactUniqueId"] for c in roster["contacts"]}
    assert len(contacts) == len(roster["contacts"])
    links = roster["studentContactAssociations"]
    assert {link["contactReference"]["contactUniqueId"] for link in links} == contacts
    assert all(s["firstName"] and s["lastSurname"] and s["birthDate"] for s in roster["students"])


def test_siblings_share_a_primary_guardian_who_lives_with_them(
    roster: dict[str, list[dict]],
) -> None:
    surname = {s["studentUniqueId"]: s["lastSurname"] for s in roster["students"]}
    children: dict[str, list[str]] = {}
    primary: dict[str, str] = {}
    for link in roster["studentContactAssociations"]:
        student = link["studentReference"]["studentUniqueId"]
        contact = link["contactReference"]["contactUniqueId"]
        if link["livesWith"]:
            children.setdefault(contact, []).append(student)
        if link["primaryContactStatus"]:
            assert link["livesWith"], "the primary contact lives with the student"
            assert student not in primary, "one primary contact per student"
            primary[student] = contact
    assert set(primary) == set(surname), "every student has a primary contact"
    sizes = Counter(len(students) for students in children.values())
    assert set(sizes) == {1, 2, 3}
    assert sizes[2] + sizes[3] >= 0.2 * sum(sizes.values())
    for students in children.values():
        assert len({surname[s] for s in students}) == 1, "siblings share the family name"
        assert len({primary[s] for s in students}) == 1, "siblings share their primary contact"
    elsewhere = [link for link in roster["studentContactAssociations"] if not link["livesWith"]]
    assert elsewhere, "some students have a parent on file who lives elsewhere"


def test_about_thirty_percent_of_families_speak_spanish_at_home(
    roster: dict[str, list[dict]],
) -> None:
    primaries = {
        link["contactReference"]["contactUniqueId"]
        for link in roster["studentContactAssociations"]
        if link["primaryContactStatus"]
    }
    languages = [
        c["languages"][0]["languageDescriptor"]
        for c in roster["contacts"]
        if c["contactUniqueId"] in primaries
    ]
    spanish = languages.count("uri://ed-fi.org/LanguageDescriptor#spa") / len(languages)
    assert 0.22 <= spanish <= 0.38
    assert set(languages) == {
        "uri://ed-fi.org/LanguageDescriptor#spa", "uri://ed-fi.org/LanguageDescriptor#eng",
    }  # fmt: skip


def test_guardians_are_reachable_as_notifications_reads_them(
    roster: dict[str, list[dict]],
) -> None:
    rows = [guardian_row(contact) for contact in roster["contacts"]]
    written = [
        phone["telephoneNumber"]
        for contact in roster["contacts"]
        for phone in contact.get("telephones", [])
        if phone["textMessageCapabilityIndicator"]
    ]
    assert all(mobile_number(number) for number in written), "every mobile number takes texts"
    mobile = sum(row["mobile"] is not None for row in rows) / len(rows)
    email_only = sum(row["mobile"] is None and row["email"] is not None for row in rows) / len(rows)
    neither = sum(row["mobile"] is None and row["email"] is None for row in rows) / len(rows)
    assert 0.78 <= mobile <= 0.92
    assert 0.05 <= email_only <= 0.16
    assert 0.01 <= neither <= 0.1
    undeliverable = [row for row in rows if row["mobile"] and row["mobile"].endswith("0000")]
    assert 0 < len(undeliverable) <= 0.12 * len(rows)
    emails = [row["email"] for row in rows if row["email"]]
    assert {email.rsplit("@", 1)[1] for email in emails} <= {
        "example.org", "example.com", "example.net",
    }  # fmt: skip
    addresses = [row["address"] for row in rows if row["address"]]
    assert len(addresses) >= 0.95 * len(rows)
    assert all(re.fullmatch(r"[A-Za-z ]+, CA \d{5}", a.splitlines()[-1]) for a in addresses)
    assert {row["language"] for row in rows} == {"en", "es"}


def test_the_same_seed_makes_the_same_families() -> None:
    first = list(District(students=200, seed=7).roster())
    assert list(District(students=200, seed=7).roster()) == first
    assert list(District(students=200, seed=8).roster()) != first


def test_families_cost_the_bench_nothing_and_are_quick_when_asked_for() -> None:
    district = District(students=50_000, schools=60)
    next(district.replay())
    assert "families" not in vars(district), "the attendance replay never draws the families"
    started = time.monotonic()
    assert sum(len(family.children) for family in district.families) == 50_000
    assert time.monotonic() - started < 5
