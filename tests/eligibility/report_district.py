"""A small district of two schools, fed through eligibility, whose report figures the tests work out by hand.

Both schools teach and close the same 40 days, 1 Sep to 26 Oct 2021 (DAYS[16] is 23 Sep, DAYS[21] 30 Sep).
Absences (the rate is absences over the 40 days; and as of 23 Sep, over 17 days):

| student | school, grade | absent on DAYS[...] | rate | on 23 Sep |
| --- | --- | --- | --- | --- |
| s01 | 100, Ninth | - | 0 | 0 |
| s02 | 100, Ninth | 1, 30 | .05 at risk | 1/17 at risk |
| s03 | 100, Ninth | 2, 3, 25, 26 | .10 moderate | 2/17 moderate |
| s04 | 100, Ninth | 0..7 | .20 severe | 8/17 severe |
| s05 | 100, Tenth | 3, corrected to present | 0 | 0 |
| s06 | 100, Tenth | 20 | .025 | 0 |
| s07 | 100, Tenth | - | 0 | 0 |
| s08 | 200, Tenth | - | 0 | 0 |
| s09 | 200, Ninth | 5, 6, 7 | .075 at risk | 3/17 moderate |
| s10 | 200, Tenth | 30..35 | .15 moderate | 0 |
| s11 | 200, Tenth | - | 0 | 0 |
| s12 | 200, no grade | - | 0 | 0 |
| s13 | 100 Tenth to DAYS[19], then 200 Tenth | 10, 11 at 100; 25, 26 at 200 | .10 moderate | 2/17 moderate, at 100 |
| s14 | 100, Ninth from DAYS[35] | - | 5 days: not counted | not enrolled |

Groups: s01 Female, Hispanic or Latino, English learner since 2020; s02 Male, White, English learner until
June 2021 (a second event replaces a first that had it open); s03 Female, English learner from 1 Oct 2021;
s04 in special education and homeless all year; s05 Male, in no group; nothing is known of the others.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eligibility.app import create_app
from eligibility.settings import Settings
from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory, EnrollmentRecorded, GroupPeriod, StudentGroupsRecorded
from tests.support.events import Feed, school_days
from tests.support.stack import publish, serve, until

DAYS = school_days(date(2021, 9, 1), 40)
NINTH, TENTH = "Ninth grade", "Tenth grade"
ABSENT = AttendanceCategory.UNEXCUSED_ABSENCE
ABSENCES = {"s02": [1, 30], "s03": [2, 3, 25, 26], "s04": list(range(8)), "s06": [20], "s09": [5, 6, 7],
            "s10": list(range(30, 36))}  # fmt: skip


MINIMUM_STUDENTS = 3
"""The district's `reportMinimumStudents`."""


@asynccontextmanager
async def served_district(
    kafka_bootstrap: str,
    databases,
    *,
    feed: Callable[[str], list[tuple[str, bytes]]] | None = None,
    database_url: str | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Eligibility on a migrated Postgres, once it has applied the district's events; yields a client and the
    district's reports path. `feed` makes another district's events (by default this one's), `database_url` names
    the database to serve (by default a new one)."""
    district_id = f"test-{uuid.uuid4().hex[:10]}"
    url = database_url or databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    settings = Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap,
                        consumer_group=f"eligibility-{uuid.uuid4().hex[:6]}", outbox_poll_seconds=0.05)  # fmt: skip
    messages = (feed or district_messages)(district_id)
    event_ids = [json.loads(value)["eventId"] for _, value in messages]
    async with serve(create_app(settings)) as client:
        path = f"/v1/districts/{district_id}"
        playbook = (await client.get(f"{path}/playbook")).json()
        await client.put(f"{path}/playbook", json=playbook | {"reportMinimumStudents": MINIMUM_STUDENTS})
        await publish(kafka_bootstrap, topics.ATTENDANCE, messages)
        await until(lambda: _applied(url, event_ids) == len(event_ids), timeout=60)
        yield client, f"{path}/reports"


def _applied(database_url: str, event_ids: list[str]) -> int:
    """How many of the events eligibility's inbox holds: applied and committed."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)"), {"ids": event_ids})
    finally:
        engine.dispose()


def district_messages(district_id: str) -> list[tuple[str, bytes]]:
    north, south = Feed(district_id, "100").calendar(DAYS), Feed(district_id, "200").calendar(DAYS)
    for student, grade in [("s01", NINTH), ("s02", NINTH), ("s03", NINTH), ("s04", NINTH), ("s05", TENTH),
                           ("s06", TENTH), ("s07", TENTH)]:  # fmt: skip
        enroll(north, student, grade)
    for student, grade in [("s08", TENTH), ("s09", NINTH), ("s10", TENTH), ("s11", TENTH), ("s12", None)]:
        enroll(south, student, grade)
    enroll(north, "s13", TENTH, exit=DAYS[19])
    enroll(south, "s13", TENTH, entry=DAYS[20])
    enroll(north, "s14", NINTH, entry=DAYS[35])
    for student, days in ABSENCES.items():
        feed = south if student in ("s09", "s10") else north
        for day in days:
            feed.daily(student, DAYS[day], ABSENT)
    north.daily("s05", DAYS[3], ABSENT).daily("s05", DAYS[3], AttendanceCategory.IN_ATTENDANCE)
    north.daily("s13", DAYS[10], ABSENT).daily("s13", DAYS[11], ABSENT)
    south.daily("s13", DAYS[25], ABSENT).daily("s13", DAYS[26], ABSENT)
    for feed, students in ((north, ["s01", "s02", "s03", "s04", "s05", "s06", "s07", "s13", "s14"]),
                           (south, ["s08", "s09", "s10", "s11", "s12", "s13"])):  # fmt: skip
        for student in students:
            feed.close(student, DAYS[-1], DAYS)
    learner = "english-learner"
    groups(north, "s01", "Female", "Hispanic or Latino", GroupPeriod(group=learner, begin_date=date(2020, 8, 20)))
    groups(north, "s02", "Male", "White", GroupPeriod(group=learner, begin_date=date(2019, 8, 20)))
    groups(north, "s02", "Male", "White",
           GroupPeriod(group=learner, begin_date=date(2019, 8, 20), end_date=date(2021, 6, 1)))  # fmt: skip
    groups(north, "s03", "Female", None, GroupPeriod(group=learner, begin_date=date(2021, 10, 1)))
    groups(north, "s04", None, None, GroupPeriod(group="special-education"), GroupPeriod(group="homeless"))
    groups(north, "s05", "Male", None)
    return north.messages() + south.messages()


def enroll(feed: Feed, student: str, grade: str | None, entry: date = DAYS[0], exit: date | None = None) -> None:
    feed.events.append(EnrollmentRecorded(**_common(feed), student_id=student, school_id=feed.school_id,
                                          entry_date=entry, exit_date=exit, grade_level=grade))  # fmt: skip


def groups(feed: Feed, student: str, sex: str | None, race: str | None, *periods: GroupPeriod) -> None:
    feed.events.append(StudentGroupsRecorded(**_common(feed), student_id=student, sex=sex, race_ethnicity=race,
                                             groups=periods))  # fmt: skip


def _common(feed: Feed) -> dict[str, object]:
    return {"event_id": str(uuid.uuid4()), "district_id": feed.district_id, "recorded_at": datetime.now(UTC)}
