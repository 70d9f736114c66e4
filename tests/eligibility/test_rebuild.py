"""A playbook change applied to a school year at once: a dry run lists what would change, page by page; a rebuild job
emits it once, in chunks."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from eligibility.app import create_app
from eligibility.settings import Settings
from rollcall_dev.admin import main
from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory
from rollcall_shared.migrations import upgrade
from tests.support.events import Feed, school_days
from tests.support.stack import TopicReader, publish, serve_http, until
from tests.support.consumers import settled

pytestmark = pytest.mark.integration

UNEXCUSED = AttendanceCategory.UNEXCUSED_ABSENCE
PRESENT = AttendanceCategory.IN_ATTENDANCE
DAYS = school_days(date(2021, 9, 1), 10)


@pytest.fixture(params=["postgres", "sqlite"])
def settings(request, kafka_bootstrap: str, databases, tmp_path) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'eligibility.db'}"
        upgrade("eligibility", url)
    else:
        url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    return Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap,
                    consumer_group=f"eligibility-{uuid.uuid4().hex[:6]}", outbox_poll_seconds=0.05,
                    rebuild_chunk_students=1, rebuild_poll_seconds=0.2)  # fmt: skip


def _changes(report: dict) -> list[tuple[str, str, str]]:
    return [(c["studentId"], c["ruleId"], c["type"]) for c in report["changes"]]


def _seen(messages: list[dict]) -> list[tuple[str, str, str]]:
    return [(m["studentId"], m["ruleId"], m["type"]) for m in messages]


async def _finished(client, location: str) -> dict:
    async def job() -> dict | None:
        found = (await client.get(location)).json()
        return found if found["status"] in ("done", "failed") else None

    return await until(job, timeout=60)


async def test_a_lower_truancy_line_and_a_higher_one_change_only_the_students_between_them(
    settings, kafka_bootstrap, district_id, monkeypatch, capsys
):
    feed = Feed(district_id).enroll("s1", DAYS[0]).enroll("s2", DAYS[0])
    feed.daily("s1", DAYS[0], UNEXCUSED).daily("s1", DAYS[1], UNEXCUSED)
    for day in DAYS[:5]:
        feed.daily("s2", day, UNEXCUSED)
    app = create_app(settings)
    async with serve_http(app) as client, TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        monkeypatch.setenv("ELIGIBILITY_URL", str(client.base_url))
        path = f"/v1/districts/{district_id}"
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        before = list(await thresholds.wait_for(lambda m: len(m) == 3))
        playbook = (await client.get(f"{path}/playbook")).json()
        await client.put(f"{path}/playbook", json=playbook | {"truancy1Days": 2, "truancy2Days": 6})

        assert await asyncio.to_thread(main, ["rebuild", district_id, "--school-year", "2022"]) == 0
        dry = (await client.post(f"{path}/rebuilds", json={"schoolYear": 2022})).json()
        first = (await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "limit": 1})).json()
        second = (await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "cursor": first["next"]})).json()
        await settled(kafka_bootstrap, apps=[app])
        untouched = list(await thresholds.read_to_end())
        s1_before = (await client.get(f"{path}/students/s1/summary", params={"schoolYear": 2022})).json()

        assert await asyncio.to_thread(main, ["rebuild", district_id, "--school-year", "2022", "--apply",
                                              "--poll", "0.2"]) == 0  # fmt: skip
        after = list(await thresholds.wait_for(lambda m: len(m) == 5))
        queued = await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "apply": True})
        again = await _finished(client, queued.headers["location"])
        s1 = (await client.get(f"{path}/students/s1/summary", params={"schoolYear": 2022})).json()

        # The consumer held s2 in its cache before the rebuild: a correction must start from the rebuilt state.
        await publish(kafka_bootstrap, topics.ATTENDANCE, Feed(district_id).daily("s2", DAYS[4], PRESENT).messages())
        await settled(kafka_bootstrap, apps=[app])
        corrected = await thresholds.read_to_end()
    printed = capsys.readouterr().out

    expected = [("s1", "truancy-1", "threshold.crossed"), ("s2", "truancy-2", "threshold.cleared")]
    assert sorted(_seen(before)) == [("s2", "success-plan", "threshold.crossed"), ("s2", "truancy-1", "threshold.crossed"),
                                     ("s2", "truancy-2", "threshold.crossed")]  # fmt: skip
    assert dry["students"] == 2 and _changes(dry) == expected and dry["next"] is None
    assert (dry["crossed"], dry["cleared"]) == (1, 1) and dry["changes"][0]["metrics"]["truantDays"] == 2
    assert (first["students"], second["students"], second["next"]) == (1, 1, None)
    assert _changes(first) + _changes(second) == expected
    assert len(untouched) == 3 and s1_before["rules"]["truancy-1"] == "below"
    assert "would be emitted" in printed and "1 crossing(s) and 1 clearing(s) emitted" in printed
    assert sorted(_seen(after[3:])) == expected
    assert [(m["tier"], m["schoolId"]) for m in after[3:] if m["studentId"] == "s1"] == [(1, "255901001")]
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert queued.headers["location"] == f"{path}/rebuilds/{queued.json()['id']}"
    assert again["status"] == "done" and (again["students"], again["total"], again["chunks"]) == (2, 2, 2)
    assert (again["crossed"], again["cleared"]) == (0, 0) and again["finishedAt"] is not None
    assert s1["rules"]["truancy-1"] == "crossed" and s1["truantDays"] == 2
    assert _seen(corrected[5:]) == [("s2", "success-plan", "threshold.cleared")]


async def test_a_rebuild_names_what_is_wrong_with_its_request(settings, district_id):
    async with serve_http(create_app(settings)) as client:
        path = f"/v1/districts/{district_id}/rebuilds"
        not_a_year = await client.post(path, json={"schoolYear": "last"})
        paged_apply = await client.post(path, json={"schoolYear": 2022, "apply": True, "cursor": "czE"})
        too_many = await client.post(path, json={"schoolYear": 2022, "limit": 5000})
        unknown = await client.get(f"{path}/12345")
        queued = await client.post(path, json={"schoolYear": 2022, "apply": True})
        elsewhere = await client.get(f"/v1/districts/another-{district_id}/rebuilds/{queued.json()['id']}")
    assert not_a_year.status_code == 422 and "schoolYear" in not_a_year.text
    assert paged_apply.status_code == 400 and paged_apply.json()["detail"].startswith("cursor:")
    assert too_many.status_code == 422 and "limit" in too_many.text
    assert unknown.status_code == 404 and elsewhere.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
