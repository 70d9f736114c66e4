"""Every Postgres session of ingest, eligibility and plans ended, again and again, while a term is fed.

`pg_terminate_backend` ends the services' sessions mid-transaction (a request's insert, a consumer's
batch, a relay's send). A request then fails cleanly (a 503 problem document, no traceback) or
succeeds; nothing of a failed one is half kept; the SIS sends the failed ones again; and in the end
every record is stored and published once, eligibility emits exactly the term's crossings, plans
opens exactly the cases they call for, and nothing is set aside as a dead letter.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory
from tests.faults.sis import Term, once_each, post, published_record, record_of, stored_daily_records
from tests.support.cases import cases_as, expected_cases
from tests.support.events import Feed, school_days
from tests.support.oracle import expected_threshold_ids
from tests.support.stack import TopicReader, publish, until

pytestmark = pytest.mark.integration

DROPS = 12
"""How many times every session is ended, `EVERY` seconds apart, while the term is posted."""
EVERY = 0.3
PARALLEL = 3
"""Requests in flight at once, as an SIS that posts each school's file on its own."""
WRITING_EVENTS = "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO outbox%'"
"""A session waiting on the locked outbox to write its transaction's events."""
ENDING = (
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
)


class Sessions:
    """The services' database sessions, ended from the server's side as an operator's `pg_terminate_backend` does."""

    def __init__(self, admin_url: str, urls: list[str]) -> None:
        admin = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        self.names = [make_url(url).database for url in urls]

    def end(self, condition: str = "true") -> int:
        """End the sessions that meet `condition` (SQL on `pg_stat_activity`); returns how many."""
        with self.engine.connect() as connection:
            return connection.scalar(text(f"{ENDING} AND ({condition})"), {"names": self.names})

    async def keep_ending(self, *, times: int, every: float) -> int:
        """End every session, `times` times, `every` seconds apart; returns how many were ended."""
        ended = 0
        for _ in range(times):
            await asyncio.sleep(every)
            ended += await asyncio.to_thread(self.end)
        return ended

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def outbox_locked(database_url: str) -> Iterator[None]:
    """Ingest's outbox locked against writes: a request that has written its records waits to write their events."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


async def post_all(sis: httpx.AsyncClient, district_id: str, chunks: list[list[dict]]) -> list[httpx.Response]:
    """Each chunk of records in its own request, `PARALLEL` at a time; the answers in chunk order."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(chunk: list[dict[str, Any]]) -> httpx.Response:
        async with gate:
            answer = await post(sis, district_id, "studentSchoolAttendanceEvents", chunk)
            await asyncio.sleep(0.05)
            return answer

    return await asyncio.gather(*(one(chunk) for chunk in chunks))


async def test_sessions_ended_mid_transaction_lose_nothing_and_double_nothing(stack, databases, district_id):
    term = Term(district_id, students=40, days=12, seed=9)
    expected = term.expected_crossings()
    ingested = stack.databases["ingest"]
    chunks = [day[half::2] for day in term.by_day for half in (0, 1)]
    sessions = Sessions(databases.admin_url, [stack.databases[name] for name in ("ingest", "eligibility", "plans")])

    async with TopicReader(stack.bootstrap, topics.ATTENDANCE, district_id) as attendance, \
            TopicReader(stack.bootstrap, topics.THRESHOLDS, district_id) as thresholds, \
            TopicReader(stack.bootstrap, topics.CASES, district_id) as published, \
            TopicReader(stack.bootstrap, topics.DEAD_LETTER, district_id) as dead:
        enrolled = await post(stack.ingest, district_id, "studentSchoolAssociations", term.enrollments)
        # One request caught for sure: its records written, their events not yet, when its session ends.
        with outbox_locked(ingested):
            caught = asyncio.create_task(post(stack.ingest, district_id, "studentSchoolAttendanceEvents", chunks[0]))
            await until(lambda: sessions.end(WRITING_EVENTS), 10)
            answers = [await caught]
        kept_after_caught = set(stored_daily_records(ingested, district_id))
        # Then every session, again and again, while the rest of the term is posted.
        ending = asyncio.create_task(sessions.keep_ending(times=DROPS, every=EVERY))
        answers += await post_all(stack.ingest, district_id, chunks[1:])
        kept_after_failures = set(stored_daily_records(ingested, district_id))
        ended = await ending
        sessions.close()
        failed = [chunk for chunk, answer in zip(chunks, answers) if answer.status_code != 200]
        resent = [await until(lambda chunk=chunk: _stored(stack.ingest, district_id, chunk), 30) for chunk in failed]

        await stack.settled()
        crossings = once_each(await thresholds.read_to_end())
        wanted = expected_cases(list(crossings.values()))
        cases = await until(lambda: cases_as(stack.plans, f"/v1/districts/{district_id}", wanted), 90)
        case_events = once_each(await published.read_to_end())
        events = once_each(await attendance.read_to_end())
        dead_letters = await dead.read_to_end()

    assert enrolled.status_code == 200
    assert answers[0].status_code == 503 and _clean_failure(answers[0]), answers[0].text
    assert not {record_of(body) for body in chunks[0]} & kept_after_caught, "records kept without their events"
    assert ended >= DROPS, "sessions were ended while the term was posted"
    for answer in answers:
        assert answer.status_code == 200 or _clean_failure(answer), (answer.status_code, answer.headers, answer.text)
    for chunk in failed:  # a failed request is kept whole (its commit got through) or not at all
        kept = {record_of(body) for body in chunk} & kept_after_failures
        assert kept in (set(), {record_of(body) for body in chunk}), "a failed request was half kept"
    assert all(answer["accepted"] + answer["duplicates"] == len(chunk) for answer, chunk in zip(resent, failed))

    assert Counter(stored_daily_records(ingested, district_id)) == Counter(term.records())
    days = Counter(published_record(event) for event in events.values() if event["type"] == "attendance.daily-recorded")
    assert days == Counter(term.records()), "each record is one event, published (at least) once"
    assert set(crossings) == set(expected)
    assert {(m["studentId"], m["ruleId"], m["type"]) for m in crossings.values()} == set(expected.values())
    assert len(wanted) > 5
    opened = [event["caseId"] for event in case_events.values() if event["type"] == "case.opened"]
    assert Counter(opened) == Counter(case["caseId"] for case in cases), "each case opened once"
    assert dead_letters == [], f"an outage is never a reason to set a message aside: {dead.headers}"


def _clean_failure(answer: httpx.Response) -> bool:
    """A 5xx problem document that names no internals."""
    return (
        answer.status_code >= 500
        and answer.headers["content-type"] == "application/problem+json"
        and "Traceback" not in answer.text
        and "asyncpg" not in answer.text
    )


async def _stored(sis: httpx.AsyncClient, district_id: str, chunk: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The SIS sends a failed request again until it is answered 200."""
    answer = await post(sis, district_id, "studentSchoolAttendanceEvents", chunk)
    return answer.json() if answer.status_code == 200 else None


async def test_a_session_ended_as_eligibility_writes_its_crossings_leaves_them_to_the_batch_read_again(
    stack, databases, district_id
):
    days = school_days(date(2021, 9, 1), 5)
    feed = Feed(district_id).enroll("s1", days[0])
    for day in days:
        feed.daily("s1", day, AttendanceCategory.UNEXCUSED_ABSENCE)
    expected = expected_threshold_ids(feed.events)
    sessions = Sessions(databases.admin_url, [stack.databases["eligibility"]])

    async with TopicReader(stack.bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        with outbox_locked(stack.databases["eligibility"]):  # the batch applied its events and waits to write crossings
            await publish(stack.bootstrap, topics.ATTENDANCE, feed.messages())
            ended = await until(lambda: sessions.end(WRITING_EVENTS), 30)
        sessions.close()
        await stack.settled()
        crossings = once_each(await thresholds.read_to_end())

    assert ended == 1
    assert set(crossings) == set(expected) and len(expected) == 3
