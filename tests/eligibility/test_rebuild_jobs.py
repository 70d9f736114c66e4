"""A rebuild job in the background: chunk by chunk while attendance keeps flowing, one at a time per district,
finished by a restart after its process is killed, each change emitted once."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from rollcall_shared import topics
from rollcall_shared.events import deterministic_id
from tests.support.auth import EVERY_SCOPE
from tests.support.consumers import caught_up, messages_on, outbox_sent
from tests.support.events import district_feed
from tests.support.process import ServiceProcess
from tests.support.stack import TopicReader, publish, until

pytestmark = pytest.mark.integration

STUDENTS, CHUNK = 200, 5


class JobLock:
    """The test holding a rebuild job's row: its runner waits before its next chunk, holding no lease meanwhile."""

    def __init__(self, database_url: str, rebuild_id: int) -> None:
        self.engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        self.rebuild_id = rebuild_id

    async def __aenter__(self) -> JobLock:
        self.connection = self.engine.connect()
        statement = text("SELECT id FROM rebuild WHERE id = :id FOR UPDATE")
        await asyncio.to_thread(self.connection.execute, statement, {"id": self.rebuild_id})
        return self

    async def __aexit__(self, *_: object) -> None:
        self.connection.rollback()
        self.connection.close()
        self.engine.dispose()


def _emitted_by_state(database_url: str, district_id: str) -> set[str]:
    """The ids of every crossing and clearing the stored rule states count, each emitted once if all went well."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT student_id, school_year, rule_id, crossings, clearings "
                                           "FROM rule_state WHERE district_id = :d"), {"d": district_id}).all()  # fmt: skip
    finally:
        engine.dispose()
    return {
        deterministic_id(district_id, student, year, rule, change, n)
        for student, year, rule, crossings, clearings in rows
        for change, count in (("threshold.crossed", crossings), ("threshold.cleared", clearings))
        for n in range(1, count + 1)
    }


async def test_a_rebuild_job_killed_midway_is_finished_by_a_restart_and_emits_each_change_once(
    kafka_bootstrap, databases, district_id, tmp_path
):
    messages = district_feed(district_id, students=STUDENTS, days=24).messages()
    term, flowing = messages[: len(messages) * 2 // 3], messages[len(messages) * 2 // 3 :]
    url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    group = f"eligibility-{uuid.uuid4().hex[:6]}"
    env = {
        "ELIGIBILITY_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "ELIGIBILITY_CONSUMER_GROUP": group,
        "ELIGIBILITY_BATCH_MAX_RECORDS": "300",
        "ELIGIBILITY_REBUILD_CHUNK_STUDENTS": str(CHUNK),
        "ELIGIBILITY_REBUILD_POLL_SECONDS": "0.2",
        "ELIGIBILITY_REBUILD_TAKEOVER_SECONDS": "3",
    }
    first = ServiceProcess("eligibility", env, tmp_path).start()
    restarted = ServiceProcess("eligibility", env, tmp_path)
    path = f"/v1/districts/{district_id}"
    try:
        async with httpx.AsyncClient(base_url=first.url, auth=EVERY_SCOPE, timeout=60) as client:
            await publish(kafka_bootstrap, topics.ATTENDANCE, term)
            await caught_up(kafka_bootstrap, group, topics.ATTENDANCE)
            playbook = (await client.get(f"{path}/playbook")).json()
            changed = {"truancy1Days": 1, "chronicRisk": {"crossesAt": 0.12, "clearsBelow": 0.1}}  # crossings, clearings
            assert (await client.put(f"{path}/playbook", json=playbook | changed)).status_code == 200

            queued = await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "apply": True})
            location, rebuild_id = queued.headers["location"], queued.json()["id"]

            async def progress(least: int) -> dict | None:
                job = (await client.get(location)).json()
                return job if job["students"] >= least else None

            await until(lambda: progress(2 * CHUNK), timeout=60)
            async with JobLock(url, rebuild_id):
                second = await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "apply": True})
                # between two chunks the consumers hold their partitions: attendance is applied meanwhile
                await publish(kafka_bootstrap, topics.ATTENDANCE, flowing[: len(flowing) // 2])
                await caught_up(kafka_bootstrap, group, topics.ATTENDANCE)
                killed = (await client.get(location)).json()
                first.kill()

        restarted.start()
        async with httpx.AsyncClient(base_url=restarted.url, auth=EVERY_SCOPE, timeout=60) as client:
            publishing = asyncio.create_task(publish(kafka_bootstrap, topics.ATTENDANCE, flowing[len(flowing) // 2 :]))

            async def finished() -> dict | None:
                job = (await client.get(location)).json()
                return job if job["status"] in ("done", "failed") else None

            done = await until(finished, timeout=120)
            await publishing
            await caught_up(kafka_bootstrap, group, topics.ATTENDANCE)
            await outbox_sent(url)
            pages, cursor = [], None
            while not pages or cursor:
                pages.append((await client.post(f"{path}/rebuilds", json={"schoolYear": 2022, "cursor": cursor,
                                                                          "limit": 1000})).json())  # fmt: skip
                cursor = pages[-1]["next"]
            async with TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as everything:
                await everything.wait_for(lambda m: {x["eventId"] for x in m} >= _emitted_by_state(url, district_id))
    finally:
        first.stop()
        restarted.stop()

    assert queued.status_code == 202 and location == f"{path}/rebuilds/{rebuild_id}"
    assert second.status_code == 409 and second.json()["rebuild"] == location
    assert second.json()["detail"].startswith(f"rebuild {rebuild_id} of school year 2022 is running")
    assert killed["status"] == "running" and 2 * CHUNK <= killed["students"] < STUDENTS
    assert done["status"] == "done" and done["runner"] != killed["runner"]
    assert done["students"] == done["total"] == STUDENTS, "a chunk evaluated twice, or a student missed"
    assert done["chunks"] >= STUDENTS // CHUNK and done["crossed"] > 0 and done["cleared"] > 0
    assert [page["changes"] for page in pages] == [[]], "a student left as the old playbook had them"
    assert messages_on(kafka_bootstrap, topics.DEAD_LETTER) == 0
    by_id: dict[str, dict] = {}
    for message in everything.messages:
        assert by_id.setdefault(message["eventId"], message) == message, "one id, two different events"
    assert set(by_id) == _emitted_by_state(url, district_id), "a change emitted that no state counts, or not at all"
