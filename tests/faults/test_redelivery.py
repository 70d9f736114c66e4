"""Messages delivered again and out of order, as far as Kafka allows: each key's own order holds, nothing else.

Every message arrives at least twice: keys are interleaved at random, a window of each key's messages is
read again (a consumer that restarted before it committed), a prefix of each key comes again after later
messages (a replay), and then the whole topic once more, interleaved another way. What the consumers
make of it is what the messages, read once in order, call for: each crossing once, each outreach item
once with the status its crossing's later clearing (or none) leaves it, each case once.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict, deque

import pytest

from rollcall_shared import topics
from rollcall_shared.events import ThresholdChanged
from tests.faults.sis import once_each
from tests.notifications.family import change, contact, household_known, lives_with, post_roster, student
from tests.support.cases import cases_by_student, expected_cases
from tests.support.events import district_feed
from tests.support.oracle import expected_threshold_ids
from tests.support.stack import TopicReader, every_item, publish, until

pytestmark = pytest.mark.integration

Message = tuple[str, bytes]


def redelivered(messages: list[Message], rng: random.Random) -> list[Message]:
    """`messages` as a consumer may read them: each key's order kept, everything at least twice."""
    by_key: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_key[message[0]].append(message)
    first = {}
    for key, sequence in by_key.items():
        read = rng.randint(1, len(sequence))  # read this far, then again from an offset before it
        again = rng.randint(0, read - 1)
        replayed = rng.randint(1, len(sequence))
        first[key] = sequence[:read] + sequence[again:read] + sequence[read:] + sequence[:replayed]
    return _interleaved(first, rng) + _interleaved(by_key, rng)


def _interleaved(sequences: dict[str, list[Message]], rng: random.Random) -> list[Message]:
    queues = {key: deque(sequence) for key, sequence in sequences.items()}
    out = []
    while queues:
        key = rng.choice(list(queues))
        out.append(queues[key].popleft())
        if not queues[key]:
            del queues[key]
    return out


async def test_attendance_read_twice_and_out_of_order_across_students_emits_each_crossing_once(stack, district_id):
    feed = district_feed(district_id, students=40, days=15, seed=3)
    expected = expected_threshold_ids(feed.events)
    messages = redelivered(feed.messages(), random.Random(11))

    async with TopicReader(stack.bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        await publish(stack.bootstrap, topics.ATTENDANCE, messages)
        await stack.settled()
        seen = await thresholds.read_to_end()

    assert len(messages) > 2 * len(feed.events)
    assert ("chronic", "threshold.cleared") in {(rule, kind) for _, rule, kind in expected.values()}, "clearings too"
    assert len(seen) == len(once_each(seen)) == len(expected), "a crossing emitted twice"
    assert {m["eventId"]: (m["studentId"], m["ruleId"], m["type"]) for m in seen} == expected


PATTERNS = [
    [("truancy-1", False, 1), ("success-plan", False, 1), ("truancy-2", False, 1)],
    [("truancy-1", False, 1), ("truancy-1", True, 1)],  # a correction before anything went out
    [("success-plan", False, 1), ("success-plan", True, 1), ("success-plan", False, 2)],
    [("chronic-risk", False, 1), ("chronic", False, 1), ("severe-chronic", False, 1), ("truancy-3", False, 1)],
]
"""Each student's threshold changes, in order: (rule, cleared, ordinal)."""
OUTREACH_RULES = {"truancy-1", "truancy-2", "truancy-3", "success-plan", "chronic-risk", "chronic"}


def _changes(district_id: str, students: list[str]) -> list[ThresholdChanged]:
    return [
        change(district_id, s, rule, cleared=cleared, ordinal=ordinal)
        for n, s in enumerate(students)
        for rule, cleared, ordinal in PATTERNS[n % len(PATTERNS)]
    ]


def _expected_items(changes: list[ThresholdChanged]) -> dict[tuple[str, str], str]:
    """(crossingEventId, channel) -> status: a crossing's letter and text wait, unless a later clearing cancels them."""
    items = {}
    for n, crossed in enumerate(changes):
        if crossed.type == "threshold.crossed" and crossed.rule_id in OUTREACH_RULES:
            cleared = any(c.student_id == crossed.student_id and c.rule_id == crossed.rule_id
                          and c.type == "threshold.cleared" for c in changes[n:])  # fmt: skip
            for channel in ("letter", "sms"):
                items[(crossed.event_id, channel)] = "cancelled" if cleared else "scheduled"
    return items


async def test_crossings_read_twice_and_out_of_order_make_each_outreach_item_and_case_once(stack, district_id):
    base = f"/v1/districts/{district_id}"
    students = [f"67{n:04d}" for n in range(24)]
    changes = _changes(district_id, students)
    wanted_items = _expected_items(changes)
    wanted_cases = expected_cases([json.loads(c.to_json()) for c in changes])
    messages = [(topics.student_key(district_id, c.student_id), c.to_json()) for c in changes]
    answer = await stack.notifications.put(f"{base}/settings", json={"printTime": None})  # letters wait for a clerk
    assert answer.status_code == 200, answer.text
    await post_roster(stack.ingest, base, **_families(students))
    await until(lambda: household_known(stack.notifications, base, students[-1]))

    async with TopicReader(stack.bootstrap, topics.CASES, district_id) as published:
        await publish(stack.bootstrap, topics.THRESHOLDS, redelivered(messages, random.Random(5)))
        await stack.settled()
        events = await published.read_to_end()
    items = await every_item(stack.notifications, f"{base}/outreach")
    cases = await every_item(stack.plans, f"{base}/cases")

    assert {(i["crossingEventId"], i["channel"]): i["status"] for i in items} == wanted_items
    assert len(items) == len(wanted_items), "an item made twice"
    assert {"cancelled", "scheduled"} == set(wanted_items.values())
    assert cases_by_student(cases) == {s: sorted(each) for s, each in wanted_cases.items()}
    assert len(events) == len(once_each(events)), "a case change published twice"
    opened = [e["caseId"] for e in events if e["type"] == "case.opened"]
    assert sorted(opened) == sorted(case["caseId"] for case in cases), "a case opened twice"


def _families(students: list[str]) -> dict[str, list]:
    """Each student lives with a guardian whose mobile takes texts."""
    return {
        "students": [student(s, f"Kid{n}", f"Family{n}") for n, s in enumerate(students)],
        "contacts": [contact(f"68{n:04d}", "Parent", f"Family{n}", mobile=f"(415) 555-{2000 + n:04d}")
                     for n in range(len(students))],  # fmt: skip
        "links": [lives_with(s, f"68{n:04d}") for n, s in enumerate(students)],
    }
