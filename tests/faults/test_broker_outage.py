"""The broker stops while the SIS keeps posting, and a fresh, empty one takes its place on the same port.

Ingest answers 200 throughout (the records and their events are in its outbox); once the new broker
is up, with the topics created again, the outbox delivers every record accepted while it was down,
and eligibility emits exactly the crossings the whole term implies, each once.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from rollcall_shared import topics
from tests.faults.sis import Term, once_each, post, published_record
from tests.support.consumers import settled
from tests.support.stack import TopicReader, serve

pytestmark = pytest.mark.integration

BEFORE_OUTAGE = 5
"""School days posted while the first broker runs; the rest are posted while no broker answers."""


async def test_records_accepted_while_the_broker_is_down_reach_eligibility_once_a_fresh_broker_is_up(
    broker, databases, district_id
):
    run = uuid.uuid4().hex[:6]
    term = Term(district_id, students=30, days=10)
    expected, before_outage = term.expected_crossings(), term.expected_crossings(BEFORE_OUTAGE)
    common = {"kafka_bootstrap_servers": broker.url, "topic_partitions": 2, "outbox_poll_seconds": 0.05}
    ingest = ingest_app(IngestSettings(database_url=databases.create(f"fb_ingest_{run}", migrate="ingest"), **common))
    eligibility = eligibility_app(EligibilitySettings(
        database_url=databases.create(f"fb_eligibility_{run}", migrate="eligibility"),
        consumer_group=f"eligibility-{run}", **common,
    ))  # fmt: skip

    async with serve(ingest) as sis, serve(eligibility):
        async with TopicReader(broker.url, topics.ATTENDANCE, district_id) as attendance, \
                TopicReader(broker.url, topics.THRESHOLDS, district_id) as thresholds:
            answers = [await post(sis, district_id, "studentSchoolAssociations", term.enrollments)]
            answers += [await post(sis, district_id, "studentSchoolAttendanceEvents", day)
                        for day in term.by_day[:BEFORE_OUTAGE]]  # fmt: skip
            await settled(broker.url, apps=[ingest, eligibility])
            crossed_before = await thresholds.read_to_end()
            published_before = await attendance.read_to_end()

        broker.stop()
        during = [await post(sis, district_id, "studentSchoolAttendanceEvents", day)
                  for day in term.by_day[BEFORE_OUTAGE:]]  # fmt: skip
        waiting, _ = await ingest.state.runtime.relay.backlog()
        ready = await sis.get("/readyz")

        broker.start()
        async with TopicReader(broker.url, topics.ATTENDANCE, district_id) as attendance, \
                TopicReader(broker.url, topics.THRESHOLDS, district_id) as thresholds:
            await settled(broker.url, apps=[ingest, eligibility], timeout=180)
            crossed_after = await thresholds.read_to_end()
            published_after = await attendance.read_to_end()

    posted_during = [record for day in term.by_day[BEFORE_OUTAGE:] for record in day]
    assert [answer.status_code for answer in answers + during] == [200] * (len(answers) + len(during))
    assert sum(answer.json()["accepted"] for answer in during) == len(posted_during)
    assert waiting == len(posted_during), "the records accepted during the outage wait in the outbox"
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unavailable"
    assert 0 < len(before_outage) < len(expected), "the outage came between crossings"
    assert {m["eventId"] for m in crossed_before} == set(before_outage)

    # Every record accepted is published once across the two brokers: none lost with the first, none sent again.
    events = once_each(published_before + published_after)
    days = Counter(published_record(event) for event in events.values() if event["type"] == "attendance.daily-recorded")
    assert days == Counter(term.records())
    assert len(published_after) == len(posted_during), "only what waited in the outbox went to the new broker"
    crossings = once_each(crossed_before + crossed_after)
    assert set(crossings) == set(expected)
    assert {(m["studentId"], m["ruleId"], m["type"]) for m in crossings.values()} == set(expected.values())
