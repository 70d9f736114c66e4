"""The Grand Bend sample's roster, contacts and attendance through ingest and eligibility into notifications and plans.

Every crossing that calls for outreach gets exactly one letter and one short message per household
(the sample has no siblings; tests/notifications covers them), rules that call for none get nothing, and a correction that clears
crossings cancels everything of theirs that had not gone out. Letters wait for approval and
messages are held, so nothing goes out while the sample plays. Plans gives each student who crossed a
case-opening rule one case of the playbook's kind and tier; the corrected students whose every reason
cleared, with nobody having acted yet, have theirs closed as opened in error.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from collections import defaultdict

import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from notifications.settings import Settings as NotificationsSettings
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from rollcall_shared import topics
from tests.support.cases import expected_cases
from tests.support.grand_bend import FILES, NS, daily_records, load_school_year, post_interchange
from tests.support.process import free_port
from tests.support.consumers import settled
from tests.support.stack import TopicReader, every_item, serve, serve_http

pytestmark = pytest.mark.integration

OUTREACH_RULES = {"truancy-1", "truancy-2", "truancy-3", "success-plan", "chronic"}
"""The defaults, less chronic-risk, which this district sends nothing for (the sample has no severe-chronic)."""
CORRECTED_STUDENTS = 6


def _households() -> dict[str, frozenset[str]]:
    """Each student's household, read from Contact.xml: students joined by a guardian living with them."""
    root = ElementTree.parse(FILES / "Contact.xml").getroot()
    ids = {c.get("id"): c.findtext("e:ContactUniqueId", "", NS) for c in root.findall("e:Contact", NS)}
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for link in root.findall("e:StudentContactAssociation", NS):
        if link.findtext("e:LivesWith", "", NS) == "true":
            student = link.findtext("e:StudentReference/e:StudentIdentity/e:StudentUniqueId", "", NS)
            contact = ids[link.find("e:ContactReference", NS).get("ref")]
            parent[find(f"s:{student}")] = find(f"c:{contact}")
    members: dict[str, set[str]] = defaultdict(set)
    for node in list(parent):
        if node.startswith("s:"):
            members[find(node)].add(node[2:])
    return {student: frozenset(group) for group in members.values() for student in group}


async def test_grand_bend_crossings_reach_each_household_once_per_channel_and_open_one_case_per_student(
    kafka_bootstrap, databases, district_id
):
    run = uuid.uuid4().hex[:6]
    base = f"/v1/districts/{district_id}"
    ingest = ingest_app(IngestSettings(database_url=databases.create(f"go_ingest_{run}", migrate="ingest"),
                                       kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05))
    eligibility = eligibility_app(EligibilitySettings(
        database_url=databases.create(f"go_eligibility_{run}", migrate="eligibility"),
        kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"eligibility-{run}", outbox_poll_seconds=0.05))
    async with serve_http(ingest) as sis, serve(eligibility), \
            TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        notifications = notifications_app(NotificationsSettings(
            database_url=databases.create(f"go_notifications_{run}", migrate="notifications"),
            kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"notifications-{run}",
            ingest_url=str(sis.base_url).rstrip("/"), outbox_poll_seconds=0.05, hold_seconds=3600,
            smtp_port=free_port(), sms_base_url=f"http://127.0.0.1:{free_port()}/v1",
        ))  # nothing may go out: no provider listens at these ports
        plans = plans_app(PlansSettings(
            database_url=databases.create(f"go_plans_{run}", migrate="plans"), kafka_bootstrap_servers=kafka_bootstrap,
            consumer_group=f"plans-{run}", outbox_poll_seconds=0.05,
        ))  # fmt: skip
        async with serve(notifications) as api, serve(plans) as caseload:
            answer = await api.put(f"{base}/settings", json={"lettersNeedApproval": True, "outreach": {"chronic-risk": []}})
            assert answer.status_code == 200, answer.text
            everything = [ingest, eligibility, notifications, plans]
            for name in ("Student.xml", "Contact.xml"):
                await post_interchange(sis, base, name)
            await settled(kafka_bootstrap, apps=everything)  # the roster is in notifications' projection
            await load_school_year(sis, base)
            await settled(kafka_bootstrap, apps=everything, timeout=300)
            crossings = list(await thresholds.read_to_end())

            corrected = sorted({m["studentId"] for m in crossings if m["ruleId"] == "truancy-1"})[:CORRECTED_STUDENTS]
            present = [_in_attendance(r) for r in daily_records() if r.student_id in corrected]
            answer = await sis.post(f"{base}/ed-fi/studentSchoolAttendanceEvents", json=present)
            assert answer.status_code == 200, answer.text
            await settled(kafka_bootstrap, apps=everything)
            events = list(await thresholds.read_to_end())
            items = await every_item(api, f"{base}/outreach")
            cases = await every_item(caseload, f"{base}/cases")

    households = _households()
    by_crossing: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_crossing[item["crossingEventId"]].append(item)
    cleared_after = _cleared(events)
    crossed = [m for m in events if m["type"] == "threshold.crossed"]
    assert any(m["ruleId"] == "chronic-risk" for m in crossed)
    assert {"letter", "sms", "email"} & {i["channel"] for i in items} >= {"letter", "email"}
    for crossing in crossed:
        mine = by_crossing.pop(crossing["eventId"], [])
        if crossing["ruleId"] not in OUTREACH_RULES:
            assert mine == [], crossing
            continue
        channels = sorted(item["channel"] for item in mine)
        assert channels in (["letter", "sms"], ["email", "letter"]), (crossing, mine)
        if crossing["eventId"] in cleared_after:
            assert {item["status"] for item in mine} <= {"cancelled", "suppressed"}, mine
        else:
            assert {item["status"] for item in mine} <= {"pending_approval", "scheduled", "suppressed"}, mine
    assert by_crossing == {}, "items for crossings that never happened"
    assert any(crossing["eventId"] in cleared_after for crossing in crossed if crossing["ruleId"] in OUTREACH_RULES)
    household_ids: dict[frozenset[str], set[str]] = defaultdict(set)
    for item in items:
        household_ids[households.get(item["studentId"], frozenset({item["studentId"]}))].add(item["householdId"])
    assert all(len(ids) == 1 for ids in household_ids.values()), "one household, several ids"
    assert len({i for ids in household_ids.values() for i in ids}) == len(household_ids), "two households, one id"

    wanted = expected_cases(events)
    assert len(wanted) > 90 and any(status == "closed" for each in wanted.values() for status, _, _ in each)
    by_student = defaultdict(list)
    for case in cases:
        by_student[case["studentId"]].append((case["status"], case["kind"], case["tier"], case["outcome"]))
    assert set(by_student) == set(wanted), "a case for a student who crossed no case-opening rule"
    for student, expected in wanted.items():
        # cases one batch opened and closed share a time: each student's cases, not their order
        assert sorted(by_student[student]) == sorted(
            (status, kind, tier, "opened-in-error" if status == "closed" else None) for status, kind, tier in expected
        ), student



def _in_attendance(record) -> dict:
    return {
        "studentReference": {"studentUniqueId": record.student_id},
        "schoolReference": {"schoolId": int(record.school_id)},
        "eventDate": record.date.isoformat(),
        "attendanceEventCategoryDescriptor": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance",
    }



def _cleared(events: list[dict]) -> set[str]:
    """The crossings a later clearing of the same student and rule undid."""
    open_crossing: dict[tuple[str, str], str] = {}
    undone = set()
    for event in events:
        key = (event["studentId"], event["ruleId"])
        if event["type"] == "threshold.crossed":
            open_crossing[key] = event["eventId"]
        elif key in open_crossing:
            undone.add(open_crossing.pop(key))
    return undone
