"""A case's plan through the API on the real broker and Postgres: a Tier 2 meeting, end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from rollcall_shared import topics
from tests.plans.caseload import SCHOOL, Plans, crossing, timeline_has, with_
from tests.support.stack import TopicReader

pytestmark = pytest.mark.integration



async def test_a_tier_2_meeting_records_a_plan_the_family_did_not_attend_with_every_change_audited(plans: Plans):
    monday = plans.monday()
    api, base = plans.api, plans.base
    opened = await api.post(f"{base}/cases", json={
        "staffId": "s-cy", "studentId": "810001", "schoolId": SCHOOL, "schoolYear": 2022,
    })  # fmt: skip
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["caseId"]
    plan = f"{base}/cases/{case_id}/plan"
    taxonomy = (await api.get(f"{base}/barriers")).json()
    catalog = (await api.get(f"{base}/interventions/catalog")).json()

    async def post(path: str, body: dict[str, Any], staff_id: str = "s-ana") -> Any:
        answer = await api.post(f"{plan}/{path}", json={"staffId": staff_id, **body})
        assert answer.status_code == 201, answer.text
        return answer.json()

    async with TopicReader(plans.bootstrap, topics.CASES, plans.district_id) as published:
        unknown = await api.post(f"{plan}/barriers", json={"staffId": "s-ana", "codes": ["asthma", "aliens", "x-ray"]})
        stranger = await api.post(f"{plan}/notes", json={"staffId": "nobody", "text": "hello"})
        await post("barriers", {"codes": ["transportation", "asthma", "anxiety"]})
        await post("goal", {"maxAbsences": 2, "schoolDays": 20, "startDate": monday.isoformat()})
        await post("interventions", {"code": "check-in-check-out", "ownerId": "s-ana", "startDate": monday.isoformat(),
                                     "status": "active"})  # fmt: skip
        await post("interventions", {"code": "transportation-help", "ownerId": "s-ben", "startDate": monday.isoformat(),
                                     "endDate": (monday + timedelta(days=28)).isoformat()})  # fmt: skip
        await post("meetings", {"heldOn": monday.isoformat(), "staffIds": ["s-ana", "s-ben"], "familyMembers": [],
                                "familyAttended": False, "notes": "Mother called in sick; plan mailed home."}, "s-ben")  # fmt: skip
        await post("notes", {"text": "Bus pass requested from transportation office."}, "s-ben")
        await post("acknowledgements", {"acknowledgedOn": monday.isoformat(), "acknowledgedBy": "Maria Lopez, mother",
                                        "how": "verbal"})  # fmt: skip
        events = await published.wait_for(lambda seen: len(seen) >= 8)

    shown = (await api.get(plan)).json()
    case = (await api.get(f"{base}/cases/{case_id}")).json()
    assert [group["group"] for group in taxonomy] == ["barriers", "aversion", "disengagement", "misconceptions"]
    assert {"transportation", "asthma", "housing-instability"} <= {b["code"] for b in taxonomy[0]["barriers"]}
    assert [tier["tier"] for tier in catalog] == [1, 2, 3]
    assert "sart-sarb-referral" in {i["code"] for i in catalog[2]["interventions"]}
    assert unknown.status_code == 422 and "aliens, x-ray" in unknown.json()["detail"]
    assert stranger.status_code == 422
    assert [(b["code"], b["group"]) for b in shown["barriers"]] == [
        ("anxiety", "aversion"), ("asthma", "barriers"), ("transportation", "barriers")]  # fmt: skip
    assert shown["goal"] | {"recordedAt": None, "progress": None} == {
        "maxAbsences": 2, "schoolDays": 20, "startDate": monday.isoformat(), "recordedBy": "s-ana", "recordedAt": None,
        "outcome": None, "offTrackOn": None, "progress": None}  # fmt: skip
    assert shown["goal"]["progress"] | {"reviewOn": None} == {
        "status": "on-track", "schoolDays": 0, "absences": 0, "reviewOn": None}, "no attendance heard of yet"  # fmt: skip
    assert case["followUpDue"] == shown["goal"]["progress"]["reviewOn"], "the follow-up is the goal's review"
    assert [(i["code"], i["tier"], i["ownerId"], i["status"]) for i in shown["interventions"]] == [
        ("check-in-check-out", 2, "s-ana", "active"), ("transportation-help", 2, "s-ben", "planned")]  # fmt: skip
    [meeting] = shown["meetings"]
    assert meeting["familyAttended"] is False and meeting["staffIds"] == ["s-ana", "s-ben"]
    assert [note["recordedBy"] for note in shown["notes"]] == ["s-ben"]
    assert [(a["acknowledgedBy"], a["how"]) for a in shown["acknowledgements"]] == [("Maria Lopez, mother", "verbal")]
    assert [(e["actor"], e["what"]) for e in case["timeline"]] == [("s-cy", "case.opened")] + [
        ("s-ana", "case.updated")] * 4 + [("s-ben", "case.updated")] * 2 + [("s-ana", "case.updated")]  # fmt: skip
    assert [e["type"] for e in events] == ["case.opened"] + ["case.updated"] * 7
    assert [e["change"] for e in events[1:]] == [
        "3 barrier(s) recorded", "goal set", "intervention 1 active", "intervention 2 planned",
        "meeting recorded, without the family", "note added", "plan acknowledged by the family (verbal)",
    ]  # fmt: skip
    assert not any(word in json.dumps(events) for word in ("Maria", "mother", "asthma", "Bus pass"))

    await api.post(f"{base}/cases/{case_id}/close", json={"staffId": "s-cy", "outcome": "closed-by-staff"})
    refused = await api.post(f"{plan}/notes", json={"staffId": "s-ana", "text": "one more thing"})
    assert refused.status_code == 409
    assert len((await api.get(plan)).json()["notes"]) == 1


async def test_a_case_acted_on_is_not_closed_as_opened_in_error_by_a_clearing(plans: Plans):
    monday = plans.monday()
    await plans.send(crossing(plans, "810101", "chronic"))
    [case] = await plans.until(lambda: plans.cases(studentId="810101"))
    met = await plans.api.post(f"{plans.base}/cases/{case['caseId']}/plan/meetings", json={
        "staffId": "s-ana", "heldOn": monday.isoformat(), "staffIds": ["s-ana"], "familyMembers": ["grandmother"],
        "familyAttended": True,
    })  # fmt: skip
    assert met.status_code == 201, met.text
    await plans.send(crossing(plans, "810101", "chronic", cleared=True))
    await plans.until(lambda: timeline_has(plans, case["caseId"], "reason chronic cleared"))

    assert await with_(plans, "810101", status="open", outcome=None)


async def test_an_intervention_moves_from_planned_to_done_with_its_end_date(plans: Plans):
    monday = plans.monday()
    opened = await plans.api.post(f"{plans.base}/cases", json={
        "staffId": "s-cy", "studentId": "810201", "schoolId": SCHOOL, "schoolYear": 2022,
    })  # fmt: skip
    plan = f"{plans.base}/cases/{opened.json()['caseId']}/plan"
    added = await plans.api.post(f"{plan}/interventions", json={
        "staffId": "s-cy", "code": "mentor", "ownerId": "s-cy", "startDate": monday.isoformat(),
    })  # fmt: skip
    ended = (monday + timedelta(days=14)).isoformat()
    done = await plans.api.patch(f"{plan}/interventions/{added.json()['interventionId']}",
                                 json={"staffId": "s-cy", "status": "done", "endDate": ended})  # fmt: skip
    missing = await plans.api.patch(f"{plan}/interventions/999999", json={"staffId": "s-cy", "status": "done"})
    unowned = await plans.api.post(f"{plan}/interventions", json={
        "staffId": "s-cy", "code": "mentor", "ownerId": "nobody", "startDate": monday.isoformat(),
    })  # fmt: skip

    assert added.status_code == 201 and added.json()["status"] == "planned"
    assert done.status_code == 200 and (done.json()["status"], done.json()["endDate"]) == ("done", ended)
    assert missing.status_code == 404 and unowned.status_code == 422
