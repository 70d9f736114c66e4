"""The Grand Bend sample through ingest's interchange endpoint into eligibility, on the real broker and Postgres.

The sample has attendance but no enrollments and no day-by-day calendar; the test enrolls each
student at the schools of their records from the first day and posts the sessions' weekdays as the
calendar, then closes the year. Expected counts are worked out from the XML by the playbook's words.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from rollcall_shared import topics
from tests.support.grand_bend import daily_records, load_school_year, session_weekdays
from tests.support.consumers import settled
from tests.support.stack import TopicReader, serve

pytestmark = pytest.mark.integration

ABSENT = {"Excused Absence", "Unexcused Absence"}
PART_DAYS = {"Tardy", "Early departure", "Partial"}


def _expected() -> dict[str, dict]:
    """Per student: the playbook's metrics at year end and which rules end up crossed."""
    current = {(r.student_id, r.school_id, r.date): r for r in daily_records()}  # a later record replaces
    calendar = set(session_weekdays())
    per_student: dict[str, list] = defaultdict(list)
    for record in current.values():
        per_student[record.student_id].append(record)
    expected = {}
    for student, records in per_student.items():
        absent = {r.date for r in records if r.category in ABSENT}
        truant = {r.date for r in records if r.category == "Unexcused Absence"
                  or (r.category in PART_DAYS and (r.minutes or 0) > 30)}
        enrolled = len(calendar)
        rate = len(absent & calendar) / enrolled
        crossed = {rule for rule, holds in {
            "truancy-1": len(truant) >= 3, "truancy-2": len(truant) >= 5, "truancy-3": len(truant) >= 7,
            "success-plan": len(absent) >= 5, "chronic-risk": rate >= 0.05, "chronic": rate >= 0.10,
            "severe-chronic": rate >= 0.20,
        }.items() if holds}
        expected[student] = {"absentDays": len(absent), "truantDays": len(truant), "enrolledDays": enrolled,
                             "absenceRate": round(rate, 4), "crossed": crossed}
    return expected


async def test_grand_bend_attendance_gives_the_counts_and_crossings_the_playbook_implies(
    kafka_bootstrap, databases, district_id
):
    expected = _expected()
    run = uuid.uuid4().hex[:6]
    ingest = ingest_app(IngestSettings(database_url=databases.create(f"gb_ingest_{run}", migrate="ingest"),
                                       kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05))
    eligibility = eligibility_app(EligibilitySettings(
        database_url=databases.create(f"gb_eligibility_{run}", migrate="eligibility"),
        kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"eligibility-{run}", outbox_poll_seconds=0.05))
    base = f"/v1/districts/{district_id}"
    async with serve(ingest) as sis, serve(eligibility) as district_system, \
            TopicReader(kafka_bootstrap, topics.THRESHOLDS, district_id) as thresholds:
        await load_school_year(sis, base)

        async def summaries() -> dict[str, dict]:
            pages, cursor = {}, None
            while True:
                params = {"schoolYear": 2022, "limit": 1000} | ({"cursor": cursor} if cursor else {})
                page = (await district_system.get(f"{base}/students", params=params)).json()
                pages |= {item["studentId"]: item for item in page["items"]}
                if not (cursor := page["next"]):
                    return pages

        await settled(kafka_bootstrap, apps=[ingest, eligibility], timeout=300)
        found = await summaries()
        seen = await thresholds.read_to_end()

    assert len(expected) == 227
    for student, want in expected.items():
        got = found[student]
        assert {k: got[k] for k in ("absentDays", "truantDays", "enrolledDays", "absenceRate")} == {
            k: want[k] for k in ("absentDays", "truantDays", "enrolledDays", "absenceRate")}, student
        assert {rule for rule, state in got["rules"].items() if state == "crossed"} == want["crossed"], student
    crossings = defaultdict(int)
    for message in seen:
        crossings[(message["studentId"], message["ruleId"])] += 1 if message["type"] == "threshold.crossed" else -1
    assert {key for key, net in crossings.items() if net == 1} == {
        (s, rule) for s, want in expected.items() for rule in want["crossed"]}
    assert len({m["eventId"] for m in seen}) == len(seen), "a crossing published twice"
