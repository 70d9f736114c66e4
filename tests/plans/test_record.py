"""A Tier 2 team's work on a case, end to end through the API, to the record a SARB referral takes (JSON and PDF)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from rollcall_shared.events import AttendanceCategory as Category
from tests.plans.caseload import Plans, crossing, outreach
from tests.support.events import Feed, school_days

pytestmark = pytest.mark.integration

DAYS = school_days(date(2021, 9, 13), 10)
STUDENT = "830001"


async def test_a_tier_2_team_works_its_overdue_case_from_meeting_to_sarb_record(plans: Plans):
    api, base = plans.api, plans.base
    feed = Feed(plans.district_id).enroll(STUDENT, DAYS[0])
    feed.daily(STUDENT, DAYS[1], Category.UNEXCUSED_ABSENCE).daily(STUDENT, DAYS[2], Category.UNEXCUSED_ABSENCE)
    feed.daily(STUDENT, DAYS[3], Category.TARDY, minutes=45).daily(STUDENT, DAYS[4], Category.EXCUSED_ABSENCE)
    feed.daily(STUDENT, DAYS[6], Category.UNEXCUSED_ABSENCE).daily(STUDENT, DAYS[7], Category.IN_ATTENDANCE)
    for day in DAYS:
        feed.close(STUDENT, day, [day])
    truancy_1, success_plan = crossing(plans, STUDENT, "truancy-1"), crossing(plans, STUDENT, "success-plan")
    await plans.attend(feed)
    await plans.send(truancy_1)
    await plans.reach(*outreach(truancy_1, "letter", "scheduled", "sent"), *outreach(truancy_1, "sms", "sent", "delivered"))
    await plans.send(success_plan)
    [case] = await plans.until(lambda: plans.cases(studentId=STUDENT))
    owner, path = case["ownerId"], f"{base}/cases/{case['caseId']}"

    # The follow-up date passes: the case is on its owner's overdue list.
    yesterday = (plans.today() - timedelta(days=1)).isoformat()
    await api.patch(path, json={"staffId": owner, "followUpDue": yesterday})
    overdue = await plans.cases(ownerId=owner, overdue="true")
    # The meeting: barriers, a goal, interventions, who came, the family's acknowledgement.
    for part, body in (
        ("barriers", {"codes": ["transportation", "anxiety"]}),
        ("goal", {"maxAbsences": 1, "schoolDays": 20, "startDate": (DAYS[-1] + timedelta(days=3)).isoformat()}),
        ("interventions", {"code": "check-in-check-out", "ownerId": owner, "startDate": DAYS[-1].isoformat(),
                           "status": "active"}),
        ("meetings", {"heldOn": DAYS[-1].isoformat(), "staffIds": [owner], "familyMembers": ["Rosa Diaz, mother"],
                      "familyAttended": True, "notes": "Bus route changed in August; student anxious about math."}),
        ("acknowledgements", {"acknowledgedOn": DAYS[-1].isoformat(), "acknowledgedBy": "Rosa Diaz", "how": "signed"}),
    ):  # fmt: skip
        answer = await api.post(f"{path}/plan/{part}", json={"staffId": owner, **body})
        assert answer.status_code == 201, answer.text
    detail = await plans.until(lambda: _with_outreach(plans, case["caseId"], 4))
    record = (await api.get(f"{path}/record")).json()
    pdf = await api.get(f"{path}/record.pdf")
    missing = await api.get(f"{base}/cases/no-such-case/record")

    assert [c["caseId"] for c in overdue] == [case["caseId"]]
    shown = [(e["detail"]["channel"], e["detail"]["status"]) for e in detail["timeline"] if e["what"] == "outreach"]
    assert [s for c, s in shown if c == "letter"] == ["scheduled", "sent"]
    assert [s for c, s in shown if c == "sms"] == ["sent", "delivered"]
    assert record["summary"] | {"latestMetrics": None} == {
        "schoolDays": 10, "absences": 4, "unexcusedAbsences": 3, "partialDays": 1, "attendanceRate": 0.6,
        "latestMetrics": None,
    }  # fmt: skip
    assert record["summary"]["latestMetrics"]["truantDays"] == 3
    chronology = record["chronology"]
    assert [h["on"] for h in chronology] == sorted(h["on"] for h in chronology), "in order"
    assert [(h["on"], h["what"]) for h in chronology if h["source"] == "attendance"] == [
        (DAYS[1].isoformat(), "Unexcused Absence"), (DAYS[2].isoformat(), "Unexcused Absence"),
        (DAYS[3].isoformat(), "Tardy (45 min)"), (DAYS[4].isoformat(), "Excused Absence"),
        (DAYS[6].isoformat(), "Unexcused Absence"),
    ]  # fmt: skip
    later = [(h["source"], h["what"]) for h in chronology if h["source"] != "attendance"]
    assert later[0] == ("threshold", "truancy-1 crossed (tier 1)")
    assert sorted(what for source, what in later if source == "outreach") == [
        "Letter for truancy-1 scheduled", "Letter for truancy-1 sent", "Text message for truancy-1 delivered",
        "Text message for truancy-1 sent",
    ]  # fmt: skip
    assert [h["at"] for h in chronology[5:]] == sorted(h["at"] for h in chronology[5:])
    assert {what for source, what in later if source == "case"} >= {
        "opened as success-plan, tier 2", "2 barrier(s) recorded", "goal set", "intervention 1 active",
        "meeting recorded, with the family", "plan acknowledged by the family (signed)",
    }  # fmt: skip
    assert [b["code"] for b in record["plan"]["barriers"]] == ["anxiety", "transportation"]
    assert record["plan"]["meetings"][0]["familyMembers"] == ["Rosa Diaz, mother"]
    assert record["case"]["caseId"] == case["caseId"] and record["standingReasons"] == ["success-plan"]

    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Attendance case record", STUDENT, case["caseId"], "truancy-1 crossed (tier 1)",
                     "Letter for truancy-1 sent", "Text message for truancy-1 delivered", "Tardy (45 min)",
                     "Lack of transportation", "Check-in/check-out", "Bus route changed in August", "Rosa Diaz",
                     "60.0%"):  # fmt: skip
        assert expected in text, expected
    assert missing.status_code == 404


async def _with_outreach(plans: Plans, case_id: str, count: int) -> dict | None:
    detail = await plans.case(case_id)
    return detail if sum(entry["what"] == "outreach" for entry in detail["timeline"]) >= count else None
