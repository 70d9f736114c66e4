"""A plan's SMART goal reviewed from the attendance events themselves, on the real broker and Postgres."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory
from tests.plans.caseload import Plans, crossing, timeline_has, with_
from tests.support.events import Feed, school_days
from tests.support.stack import TopicReader

pytestmark = pytest.mark.integration

DAYS = school_days(date(2021, 9, 27), 10)
"""Two school weeks of the 2021-22 year: the plan's goal starts on the sixth, DAYS[5]."""
ABSENT, PRESENT = AttendanceCategory.UNEXCUSED_ABSENCE, AttendanceCategory.IN_ATTENDANCE


def school(student: str) -> str:
    """Each test's student at a school of their own: a school's closed days are the same for all its students."""
    return f"9{student}"


def attendance(plans: Plans, student: str) -> Feed:
    return Feed(plans.district_id, school(student))


def closing(feed: Feed, student: str, *days: date) -> Feed:
    """The student's school closes each day (ingest sends each enrolled student the close)."""
    for day in days:
        feed.close(student, day, [day])
    return feed


async def opened(plans: Plans, student: str, rule: str) -> dict[str, Any]:
    """A case opened by a crossing, the student enrolled at a school of their own and its first week closed."""
    feed = closing(Feed(plans.district_id, school(student)).enroll(student, DAYS[0]), student, *DAYS[:5])
    await plans.attend(feed)
    await plans.send(crossing(plans, student, rule, school_id=school(student)))
    [case] = await plans.until(lambda: plans.cases(studentId=student))
    return case


async def set_goal(plans: Plans, case: dict[str, Any], **goal: Any) -> dict[str, Any]:
    answer = await plans.api.post(f"{plans.base}/cases/{case['caseId']}/plan/goal", json={"staffId": "s-ana", **goal})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def goal(plans: Plans, case: dict[str, Any], **wanted: Any) -> dict[str, Any] | None:
    found = (await plans.api.get(f"{plans.base}/cases/{case['caseId']}/plan")).json()["goal"]
    shown = {**found["progress"], "outcome": found["outcome"]}
    return found if all(shown[k] == v for k, v in wanted.items()) else None


async def test_a_goal_off_track_then_corrected_is_met_when_its_last_school_day_closes(plans: Plans):
    case = await opened(plans, "820001", "success-plan")
    set_ = await set_goal(plans, case, maxAbsences=1, schoolDays=5, startDate=DAYS[5].isoformat())
    async with TopicReader(plans.bootstrap, topics.CASES, plans.district_id) as published:
        await plans.attend(closing(
            attendance(plans, "820001").daily("820001", DAYS[6], ABSENT).daily("820001", DAYS[7], ABSENT),
            "820001", *DAYS[5:8],
        ))  # fmt: skip
        off_track = await plans.until(lambda: goal(plans, case, status="off-track", schoolDays=3))
        await plans.attend(closing(attendance(plans, "820001").daily("820001", DAYS[7], PRESENT), "820001", DAYS[8]))
        back = await plans.until(lambda: goal(plans, case, status="on-track", schoolDays=4))
        await plans.attend(closing(attendance(plans, "820001"), "820001", DAYS[9]))
        [proposed] = await plans.until(lambda: with_(plans, "820001", proposedOutcome="goal-met"))
        events = await published.wait_for(lambda seen: any(e.get("proposedOutcome") for e in seen))

    met = await goal(plans, case)
    listed = await plans.cases(proposedOutcome="goal-met")
    timeline = [entry["detail"]["change"] for entry in (await plans.case(case["caseId"]))["timeline"]]
    closed = await plans.api.post(f"{plans.base}/cases/{case['caseId']}/close",
                                  json={"staffId": "s-ana", "outcome": "goal-met"})  # fmt: skip

    assert set_["outcome"] is None and set_["progress"] == {
        "status": "on-track", "schoolDays": 0, "absences": 0, "reviewOn": DAYS[9].isoformat()}  # fmt: skip
    assert off_track["offTrackOn"] == plans.today().isoformat() and off_track["progress"]["absences"] == 2
    assert back["progress"]["absences"] == 1
    assert (met["outcome"], met["progress"]["absences"], met["progress"]["reviewOn"]) == ("met", 1, DAYS[9].isoformat())
    assert proposed["status"] == "open" and proposed["followUpDue"] == plans.today().isoformat()
    assert [c["caseId"] for c in listed] == [case["caseId"]]
    assert timeline[-2:] == [
        "goal off track: 2 absence(s) in 3 of 5 school days, at most 1",
        "goal met: 1 absence(s) in 5 of 5 school days, at most 1; proposed for closing as goal-met",
    ]  # fmt: skip
    assert [e["type"] for e in events[-2:]] == ["case.updated", "case.updated"] and events[-1]["tier"] == 2
    assert closed.json()["outcome"] == "goal-met" and closed.json()["proposedOutcome"] is None


async def test_a_goal_missed_at_its_review_escalates_the_case_to_tier_3(plans: Plans):
    case = await opened(plans, "820002", "truancy-2")
    await set_goal(plans, case, maxAbsences=0, schoolDays=5, startDate=DAYS[5].isoformat())
    await plans.attend(closing(attendance(plans, "820002").daily("820002", DAYS[5], ABSENT), "820002", DAYS[5]))
    await plans.until(lambda: timeline_has(plans, case["caseId"], "goal off track: 1 absence(s) in 1 of 5 school days, at most 0"))
    async with TopicReader(plans.bootstrap, topics.CASES, plans.district_id) as published:
        await plans.attend(closing(attendance(plans, "820002"), "820002", *DAYS[6:]))
        [escalated] = await plans.until(lambda: with_(plans, "820002", tier=3))
        events = await published.wait_for(lambda seen: any(e["type"] == "case.escalated" for e in seen))

    assert case["kind"] == "site-intervention" and case["tier"] == 2
    assert (escalated["kind"], escalated["status"], escalated["proposedOutcome"]) == ("multi-agency", "open", None)
    assert (await goal(plans, case))["outcome"] == "missed"
    [escalation] = [e for e in events if e["type"] == "case.escalated"]
    assert escalation["change"] == "goal missed: 1 absence(s) in 5 of 5 school days, at most 0; escalated from tier 2 to 3"


async def test_a_goal_set_after_its_window_closed_is_decided_at_once(plans: Plans):
    case = await opened(plans, "820003", "chronic")
    await plans.attend(closing(attendance(plans, "820003").daily("820003", DAYS[2], ABSENT), "820003", *DAYS[5:]))
    await plans.until(lambda: goal_days_closed(plans, case, 10))

    decided = await set_goal(plans, case, maxAbsences=1, schoolDays=10, startDate=DAYS[0].isoformat())

    assert decided["outcome"] == "met" and decided["progress"]["absences"] == 1
    assert await with_(plans, "820003", proposedOutcome="goal-met")


async def goal_days_closed(plans: Plans, case: dict[str, Any], count: int) -> bool:
    """Plans has seen `count` school days of the student (told by the case record's figures)."""
    record = (await plans.api.get(f"{plans.base}/cases/{case['caseId']}/record")).json()
    return record["summary"]["schoolDays"] == count
