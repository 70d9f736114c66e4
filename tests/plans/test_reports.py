"""Intervention effectiveness through the API, from cases, interventions and attendance on the real broker."""

from __future__ import annotations

from datetime import date

import pytest

from rollcall_shared.events import AttendanceCategory
from tests.plans.caseload import Plans
from tests.support.events import Feed, school_days

pytestmark = pytest.mark.integration

SCHOOL = "9840000"
DAYS = school_days(date(2021, 9, 6), 10)
START = DAYS[5]
"""Every intervention starts on the sixth school day: five school days before it, five from it."""
ABSENCES = {"840001": [0, 1], "840002": [2, 7], "840003": [5, 6]}
"""Student -> the school days (by index) they missed."""


async def test_each_intervention_compares_attendance_before_and_after_its_start_with_student_counts(plans: Plans):
    feed = Feed(plans.district_id, SCHOOL)
    for student, missed in ABSENCES.items():
        feed.enroll(student, DAYS[0])
        for n in missed:
            feed.daily(student, DAYS[n], AttendanceCategory.UNEXCUSED_ABSENCE)
    for day in DAYS:
        for student in ABSENCES:
            feed.close(student, day, [day])
    await plans.attend(feed)
    for student, interventions in (("840001", [("mentor", "active")]), ("840002", [("mentor", "done")]),
                                   ("840003", [("mentor", "planned"), ("tutoring", "active")])):  # fmt: skip
        opened = await plans.api.post(f"{plans.base}/cases", json={
            "staffId": "s-ana", "studentId": student, "schoolId": SCHOOL, "schoolYear": 2022})  # fmt: skip
        for code, status in interventions:
            answer = await plans.api.post(f"{plans.base}/cases/{opened.json()['caseId']}/plan/interventions", json={
                "staffId": "s-ana", "code": code, "ownerId": "s-ben", "startDate": START.isoformat(), "status": status})
            assert answer.status_code == 201, answer.text

    async def measured():
        answer = await plans.api.get(f"{plans.base}/reports/interventions", params={"schoolYear": 2022, "schoolDays": 5})
        report = answer.json()
        ready = [row for row in report["interventions"] if row["after"]["students"] == row["students"]]
        return report if len(ready) == len(report["interventions"]) == 4 else None

    report = await plans.until(measured)
    rows = {(row["code"], row["schoolId"]): row for row in report["interventions"]}
    too_long = await plans.api.get(f"{plans.base}/reports/interventions", params={"schoolDays": 500})

    assert report["schoolYear"] == 2022 and report["schoolDays"] == 5
    assert list(rows) == [("mentor", SCHOOL), ("mentor", None), ("tutoring", SCHOOL), ("tutoring", None)]
    mentor = rows[("mentor", SCHOOL)]
    # 840001: 3/5 before, 5/5 after; 840002: 4/5 and 4/5; 840003's mentor is only planned.
    assert (mentor["label"], mentor["tier"], mentor["students"]) == ("Mentor", 2, 2)
    assert mentor["before"] == {"students": 2, "attendanceRate": 0.7}
    assert mentor["after"] == {"students": 2, "attendanceRate": 0.9}
    assert mentor["paired"] == {"students": 2, "before": 0.7, "after": 0.9, "change": 0.2}
    assert rows[("tutoring", SCHOOL)]["paired"] == {"students": 1, "before": 1.0, "after": 0.6, "change": -0.4}
    assert too_long.status_code == 422 and "schoolDays" in too_long.text
