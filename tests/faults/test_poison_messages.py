"""A poison message on each topic plans and notifications read: set aside as a dead letter, and the partition goes on.

A message is poison when it cannot be read (no event of the topic) or when it reads but cannot be applied
(a NUL character in an id, which PostgreSQL cannot store). Each is published on a student's key (the
district's, for roster changes), followed on the same key by a good message whose effect a user sees.
Eligibility's attendance and notifications' unreadable thresholds are proven in their own test folders.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory, RosterChanged
from tests.notifications.family import change, contact, household_known, lives_with, post_roster, student
from tests.plans.caseload import Plans, outreach
from tests.support.events import Feed
from tests.support.stack import TopicReader, publish, until

pytestmark = pytest.mark.integration

STUDENT = "640001"
NUL_ID = "640001\u0000"
"""Reads as a student id; PostgreSQL cannot store it."""


Check = Callable[[Any, str], Awaitable[Any]]
"""Publishes a good message on the topic for the district and waits until a user sees what it did."""


async def _crossing_reaches_plans(stack, district_id: str) -> Any:
    plans = Plans(stack.plans, district_id, stack.bootstrap)
    await plans.send(change(district_id, STUDENT, "success-plan"))
    return await until(lambda: plans.cases(studentId=STUDENT))


async def _attendance_reaches_plans(stack, district_id: str) -> Any:
    plans = Plans(stack.plans, district_id, stack.bootstrap)
    await plans.attend(Feed(district_id).daily(STUDENT, date(2021, 9, 13), AttendanceCategory.UNEXCUSED_ABSENCE))
    [case] = await _crossing_reaches_plans(stack, district_id)
    return await until(lambda: _days_on_record(plans, case["caseId"]))


async def _outreach_reaches_plans(stack, district_id: str) -> Any:
    plans = Plans(stack.plans, district_id, stack.bootstrap)
    crossed = change(district_id, STUDENT, "success-plan")
    await plans.reach(*outreach(crossed, "letter", "scheduled"))
    [case] = await _crossing_reaches_plans(stack, district_id)
    return await until(lambda: _outreach_on_timeline(plans, case["caseId"]))


async def _crossing_reaches_families(stack, district_id: str) -> Any:
    await publish(stack.bootstrap, topics.THRESHOLDS, [
        (topics.student_key(district_id, STUDENT), change(district_id, STUDENT, "truancy-1").to_json())
    ])  # fmt: skip
    return await until(lambda: _items(stack, district_id))


async def _roster_reaches_families(stack, district_id: str) -> Any:
    base = f"/v1/districts/{district_id}"
    await post_roster(stack.ingest, base, students=[student(STUDENT, "Ada", "Osei")],
                      contacts=[contact("650001", "Kofi", "Osei")], links=[lives_with(STUDENT, "650001")])  # fmt: skip
    return await until(lambda: household_known(stack.notifications, base, STUDENT))


async def _days_on_record(plans: Plans, case_id: str) -> list[dict] | None:
    record = (await plans.api.get(f"{plans.base}/cases/{case_id}/record")).json()
    return [day for day in record["chronology"] if day["source"] == "attendance"] or None


async def _outreach_on_timeline(plans: Plans, case_id: str) -> list[dict] | None:
    return [entry for entry in (await plans.case(case_id))["timeline"] if entry["what"] == "outreach"] or None


async def _items(stack, district_id: str) -> list[dict] | None:
    answer = await stack.notifications.get(f"/v1/districts/{district_id}/outreach", params={"studentId": STUDENT})
    return answer.json()["items"] or None


def _unreadable(district_id: str) -> bytes:
    """JSON, but no event of any topic: what a producer of another version might send."""
    return json.dumps({"eventId": uuid.uuid4().hex, "districtId": district_id, "type": "unknown"}).encode()


def _unstorable(topic: str, district_id: str) -> bytes:
    """The topic's own event, readable, with a NUL character in its student id."""
    if topic == topics.ATTENDANCE:
        return Feed(district_id).daily(NUL_ID, date(2021, 9, 14), AttendanceCategory.UNEXCUSED_ABSENCE).messages()[0][1]
    if topic == topics.THRESHOLDS:
        return change(district_id, NUL_ID, "truancy-1").to_json()
    if topic == topics.OUTREACH:
        return outreach(change(district_id, NUL_ID, "success-plan"), "sms", "sent")[0].to_json()
    return RosterChanged(event_id=str(uuid.uuid4()), district_id=district_id, recorded_at=datetime.now(UTC),
                         resource="student", student_id=NUL_ID).to_json()


READERS = [
    ("plans", topics.ATTENDANCE, _attendance_reaches_plans),
    ("plans", topics.THRESHOLDS, _crossing_reaches_plans),
    ("plans", topics.OUTREACH, _outreach_reaches_plans),
    ("notifications", topics.ROSTER, _roster_reaches_families),
    ("notifications", topics.THRESHOLDS, _crossing_reaches_families),
]
"""Each consumer of a topic, and what a good message on it visibly does."""


@pytest.mark.parametrize(("consumer", "topic", "acted", "poison"), [
    pytest.param(consumer, topic, acted, poison, id=f"{consumer}-{topic.split('.')[1]}-{poison}")
    for consumer, topic, acted in READERS
    for poison in ("unreadable", "unstorable")
    if (consumer, topic, poison) != ("notifications", topics.THRESHOLDS, "unreadable")  # tests/notifications has it
])  # fmt: skip
async def test_a_poison_message_is_set_aside_and_the_next_one_on_its_partition_still_acts(
    stack, district_id: str, consumer: str, topic: str, acted: Check, poison: str
):
    key = district_id if topic == topics.ROSTER else topics.student_key(district_id, STUDENT)
    value = _unreadable(district_id) if poison == "unreadable" else _unstorable(topic, district_id)

    async with TopicReader(stack.bootstrap, topics.DEAD_LETTER, district_id) as dead:
        await publish(stack.bootstrap, topic, [(key, value)])
        assert await acted(stack, district_id)
        await stack.settled()
        await dead.read_to_end()

    [headers] = [h for h in dead.headers if h["x-dead-letter-consumer"].startswith(consumer)]
    assert headers["x-dead-letter-source"].startswith(f"{topic}/")
    refusal = "HTTPStatusError: Client error '422" if topic == topics.ROSTER else "DBAPIError: "  # ingest's, Postgres's
    assert headers["x-dead-letter-reason"].startswith("unreadable: " if poison == "unreadable" else refusal)
