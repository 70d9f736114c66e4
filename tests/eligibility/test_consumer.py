"""Eligibility on the real broker and a real migrated Postgres: crossings exactly once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from eligibility.app import create_app
from eligibility.settings import Settings
from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory
from rollcall_shared.migrations import upgrade
from tests.support.events import Feed, school_days
from tests.support.stack import TopicReader, publish, serve
from tests.support.consumers import settled

pytestmark = pytest.mark.integration

UNEXCUSED = AttendanceCategory.UNEXCUSED_ABSENCE
EXCUSED = AttendanceCategory.EXCUSED_ABSENCE
DAYS = school_days(date(2021, 9, 1), 20)


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def settings(request, kafka_bootstrap: str, databases, tmp_path_factory) -> Settings:
    if request.param == "sqlite":  # the embedded default of `make run`
        url = f"sqlite:///{tmp_path_factory.mktemp('eligibility') / 'eligibility.db'}"
        upgrade("eligibility", url)
    else:
        url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    return Settings(
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"eligibility-{uuid.uuid4().hex[:6]}",
        outbox_poll_seconds=0.05,
    )


def _of(messages: list[dict], student: str, kind: str | None = None) -> list[tuple[str, str]]:
    return [(m["ruleId"], m["type"]) for m in messages if m["studentId"] == student and (kind is None or m["type"] == kind)]


async def test_three_unexcused_days_cross_truancy_1_once_and_a_correction_clears_it(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id).enroll("s1", DAYS[0])
    for day in DAYS[:3]:
        feed.daily("s1", day, UNEXCUSED)
    feed.daily("s1", DAYS[2], EXCUSED)  # the SIS corrects the third day
    async with serve(create_app(settings)) as client, TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        seen = await thresholds.wait_for(lambda m: ("truancy-1", "threshold.cleared") in _of(m, "s1"))
        summary = (await client.get(f"/v1/districts/{district_id}/students/s1/summary", params={"schoolYear": 2022})).json()
    assert _of(seen, "s1") == [("truancy-1", "threshold.crossed"), ("truancy-1", "threshold.cleared")]
    crossed = seen[0]
    assert crossed["metrics"]["truantDays"] == 3 and crossed["schoolYear"] == 2022 and crossed["tier"] == 1
    assert crossed["schoolId"] == "255901001"
    assert summary["truantDays"] == 2 and summary["absentDays"] == 3
    assert summary["rules"]["truancy-1"] == "below" and set(summary["rules"]) >= {"chronic", "success-plan"}


async def test_redelivered_events_emit_no_second_crossing(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id).enroll("s2", DAYS[0])
    for day in DAYS[:5]:
        feed.daily("s2", day, UNEXCUSED)
    app = create_app(settings)
    async with serve(app), TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        await thresholds.wait_for(lambda m: len(_of(m, "s2")) == 3)
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())  # the same events again
        await settled(kafka_bootstrap, apps=[app])
        seen = await thresholds.read_to_end()
    assert sorted(_of(seen, "s2")) == [
        ("success-plan", "threshold.crossed"), ("truancy-1", "threshold.crossed"), ("truancy-2", "threshold.crossed")
    ]


async def test_rate_rules_cross_when_absent_days_are_closed(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id).calendar(DAYS).enroll("s3", DAYS[0])
    feed.daily("s3", DAYS[3], EXCUSED).daily("s3", DAYS[7], UNEXCUSED)
    feed.close("s3", DAYS[9], DAYS[:10])
    async with serve(create_app(settings)) as client, TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        seen = await thresholds.wait_for(lambda m: len(_of(m, "s3")) >= 3)
        summary = (await client.get(f"/v1/districts/{district_id}/students/s3/summary", params={"schoolYear": 2022})).json()
        listed = (await client.get(f"/v1/districts/{district_id}/students",
                                   params={"schoolYear": 2022, "rule": "severe-chronic", "state": "crossed"})).json()
    assert sorted(_of(seen, "s3")) == [
        ("chronic", "threshold.crossed"), ("chronic-risk", "threshold.crossed"), ("severe-chronic", "threshold.crossed")
    ]
    assert summary["enrolledDays"] == 10 and summary["absenceRate"] == 0.2
    assert [item["studentId"] for item in listed["items"]] == ["s3"] and listed["next"] is None


async def test_a_poison_message_is_dead_lettered_and_the_partition_keeps_moving(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id).enroll("s4", DAYS[0])
    for day in DAYS[:3]:
        feed.daily("s4", day, UNEXCUSED)
    messages = feed.messages()
    poison = (f"{district_id}:s4", b'{"type": "attendance.daily-recorded", "districtId": "x"}')
    async with (
        serve(create_app(settings)),
        TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds,
        TopicReader(kafka_bootstrap, topics.DEAD_LETTER, district_id) as dead,
    ):
        await publish(kafka_bootstrap, topics.ATTENDANCE, [messages[0], poison, *messages[1:]])
        await thresholds.wait_for(lambda m: _of(m, "s4") == [("truancy-1", "threshold.crossed")])
        await dead.wait_for(lambda m: len(m) == 1)
    assert "not an attendance event" in dead.headers[0]["x-dead-letter-reason"]


async def test_a_dead_lettered_event_sent_back_is_applied_again_not_dropped_as_seen(
    settings, kafka_bootstrap, databases, district_id
):
    # PostgreSQL refuses a NUL character in text, so this event fails whenever it is applied (SQLite would store it).
    settings = settings.model_copy(update={"database_url": databases.create(f"el_nul_{uuid.uuid4().hex[:6]}", migrate="eligibility")})
    feed = Feed(district_id).enroll("s7", DAYS[0]).daily("s7", DAYS[0], AttendanceCategory.TARDY, 40, "bus\x00")
    enrollment, failing = feed.messages()
    async with (
        serve(create_app(settings)),
        TopicReader(kafka_bootstrap, topics.DEAD_LETTER, district_id) as dead,
    ):
        await publish(kafka_bootstrap, topics.ATTENDANCE, [enrollment, failing])
        await dead.wait_for(lambda m: len(m) == 1)
        await publish(kafka_bootstrap, topics.ATTENDANCE, [failing])  # as `rollcall redrive` sends it back
        await dead.wait_for(lambda m: len(m) == 2)
    assert [h["x-dead-letter-source"].split("/")[0] for h in dead.headers] == [topics.ATTENDANCE] * 2


async def test_a_district_playbook_set_through_the_api_changes_when_students_cross(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id).enroll("s5", DAYS[0]).enroll("s6", DAYS[0])
    for student in ("s5", "s6"):
        feed.daily(student, DAYS[0], UNEXCUSED).daily(student, DAYS[1], UNEXCUSED)
    async with serve(create_app(settings)) as client, TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        default = (await client.get(f"/v1/districts/{district_id}/playbook")).json()
        assert default["truancy1Days"] == 3 and default["chronic"] == {"crossesAt": 0.1, "clearsBelow": 0.08}
        refused = await client.put(f"/v1/districts/{district_id}/playbook",
                                   json=default | {"chronic": {"crossesAt": 0.1, "clearsBelow": 0.2}})
        assert refused.status_code == 422 and "chronic" in refused.json()["detail"]
        saved = await client.put(f"/v1/districts/{district_id}/playbook", json=default | {"truancy1Days": 2})
        assert saved.status_code == 200 and saved.json()["truancy1Days"] == 2
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        seen = await thresholds.wait_for(lambda m: len(_of(m, "s5")) == 1 and len(_of(m, "s6")) == 1)
        first = (await client.get(f"/v1/districts/{district_id}/students", params={"schoolYear": 2022, "limit": 1})).json()
        second = (await client.get(f"/v1/districts/{district_id}/students",
                                   params={"schoolYear": 2022, "limit": 1, "cursor": first["next"]})).json()
        unknown = await client.get(f"/v1/districts/{district_id}/students/nobody/summary", params={"schoolYear": 2022})
    assert _of(seen, "s5") == [("truancy-1", "threshold.crossed")]
    assert [i["studentId"] for i in first["items"] + second["items"]] == ["s5", "s6"] and second["next"] is None
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
