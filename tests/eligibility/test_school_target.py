"""A school's attendance over its last school days against the district's target: once per dip, once per recovery."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from eligibility.app import create_app
from eligibility.playbook import DEFAULT_PLAYBOOK
from eligibility.rules import SchoolDays
from eligibility.schools import (
    BELOW_TARGET,
    MET,
    RECOVERED,
    attendance_over,
    campaign_spans,
    last_days,
    touched_schools,
    transition,
)
from eligibility.settings import Settings
from eligibility.state import StudentState
from rollcall_shared import topics
from rollcall_shared.events import AttendanceCategory, deterministic_id
from rollcall_shared.migrations import upgrade
from tests.support.events import Feed, school_days
from tests.support.stack import TopicReader, publish, serve, until
from tests.support.consumers import settled

UNEXCUSED = AttendanceCategory.UNEXCUSED_ABSENCE
EXCUSED = AttendanceCategory.EXCUSED_ABSENCE
PRESENT = AttendanceCategory.IN_ATTENDANCE
SCHOOL = "255901001"
D = school_days(date(2021, 9, 1), 15)
"""D[0] .. D[14]: the school's instructional days, closed one by one."""
STUDENTS = ("s1", "s2", "s3", "s4", "s5")


# The window and its rate, on plain data.

def test_the_window_is_the_last_school_days_through_the_closed_day_within_its_school_year():
    june = school_days(date(2021, 6, 21), 8)  # school year 2021
    september = school_days(date(2021, 9, 1), 6)  # school year 2022
    days = tuple(june + september)
    assert last_days(days, september[-1], 4) == tuple(september[2:])
    assert last_days(days, september[3], 10) == tuple(september[:4])  # the year has only 4 days so far
    assert last_days(days, date(2021, 9, 4), 3) == (september[0], september[1], september[2])  # a Saturday


def test_the_rate_is_days_attended_over_days_enrolled_summed_over_the_students():
    counts = {D[0]: (5, 1), D[1]: (4, 0), D[2]: (5, 2)}
    attendance = attendance_over((D[0], D[1], D[2]), counts)
    assert (attendance.enrolled, attendance.attended) == (14, 11) and attendance.rate == 11 / 14
    assert attendance_over((D[3],), counts).rate is None  # nobody enrolled: no rate


def test_below_the_target_is_one_dip_until_it_is_reached_again():
    assert transition(MET, 0.9599, 0.96) == BELOW_TARGET
    assert transition(MET, 0.96, 0.96) is None
    assert transition("below", 0.90, 0.96) is None  # no repeat while it stays below
    assert transition("below", 0.96, 0.96) == RECOVERED


def test_a_campaign_is_compared_with_the_closed_days_before_and_after_it_in_its_school_year():
    days = tuple(D)
    before, during, after = campaign_spans(days, D[12], D[3], D[5], 4)
    assert (before, during, after) == ((D[0], D[1], D[2]), (D[3], D[4], D[5]), (D[6], D[7], D[8], D[9]))
    before, during, after = campaign_spans(days, D[7], D[3], D[5], 4)
    assert after == (D[6], D[7])  # only as far as closed
    assert campaign_spans(days, None, D[3], D[5], 4) == ((), (), ())


def test_only_records_on_a_closed_day_of_the_window_touch_the_school():
    key = ("d", SCHOOL)
    calendars = {key: SchoolDays(frozenset(D))}
    playbooks = {"d": DEFAULT_PLAYBOOK}

    def touched_by(day: date) -> bool:
        state = StudentState(closed_through={SCHOOL: D[12]}, changed_daily={(SCHOOL, day)})
        return touched_schools({("d", "s1"): state}, {}, calendars, playbooks) == {key}

    assert touched_by(D[3]) and touched_by(D[12])  # the window is D[3] .. D[12]
    assert not touched_by(D[2]) and not touched_by(D[13])  # before it, and not closed yet
    assert touched_schools({}, {key: D[12]}, calendars, playbooks) == {key}  # a close always does


# On the real broker and a migrated database.

@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def settings(request, kafka_bootstrap: str, databases, tmp_path_factory) -> Settings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('eligibility') / 'eligibility.db'}"
        upgrade("eligibility", url)
    else:
        url = databases.create(f"eligibility_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    return Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap,
                    consumer_group=f"eligibility-{uuid.uuid4().hex[:6]}", outbox_poll_seconds=0.05)  # fmt: skip


def _records(district_id: str) -> Feed:
    """Five students all term and one for its first day only; absences on D2, D5, D10 and two on D13."""
    feed = Feed(district_id, SCHOOL)
    for student in STUDENTS:
        feed.enroll(student, D[0])
    feed.enroll("s6", D[0], exit=D[0])
    feed.daily("s1", D[2], UNEXCUSED).daily("s2", D[5], EXCUSED).daily("s3", D[10], UNEXCUSED)
    feed.daily("s1", D[13], UNEXCUSED).daily("s2", D[13], EXCUSED)
    feed.daily("s1", D[11], UNEXCUSED, school_id="another-school")  # absent elsewhere: not this school's day
    feed.daily("s4", D[11], AttendanceCategory.TARDY, 45)  # late, truant even, but attended
    feed.daily("s5", D[3], PRESENT)
    return feed


async def _applied(client, district_id: str, counts: dict[str, tuple[int, int]]) -> None:
    """Wait until each student's (absent days, truant days) are as given: the school's inputs are in before its
    days close, so whichever partition's close is reviewed first sees them all."""

    async def applied() -> bool:
        got = {student: await client.get(f"/v1/districts/{district_id}/students/{student}/summary",
                                         params={"schoolYear": 2022}) for student in counts}  # fmt: skip
        return all(r.status_code == 200 and (r.json()["absentDays"], r.json()["truantDays"]) == counts[s]
                   for s, r in got.items())  # fmt: skip

    await until(applied)


def _seen(messages: list[dict]) -> list[tuple[str, date, date, float]]:
    return [(m["type"], date.fromisoformat(m["firstDay"]), date.fromisoformat(m["lastDay"]), m["attendanceRate"])
            for m in messages]  # fmt: skip


@pytest.mark.integration
async def test_a_school_below_target_emits_once_per_dip_and_once_per_recovery(settings, kafka_bootstrap, district_id):
    records = _records(district_id)
    school = f"/v1/districts/{district_id}/schools/{SCHOOL}"
    app = create_app(settings)
    async with (
        serve(app) as client,
        TopicReader(kafka_bootstrap, topics.SCHOOLS, district_id) as schools,
    ):
        unknown = await client.get(f"{school}/attendance-target", params={"schoolYear": 2022})
        await publish(kafka_bootstrap, topics.ATTENDANCE, records.messages())
        await _applied(client, district_id, {"s1": (3, 3), "s2": (2, 0), "s3": (1, 1), "s4": (0, 1), "s5": (0, 0),
                                             "s6": (0, 0)})  # fmt: skip
        closes = Feed(district_id, SCHOOL)
        for number, day in enumerate(D):
            for student in STUDENTS:
                closes.close(student, day, [day])
            await publish(kafka_bootstrap, topics.ATTENDANCE, closes.messages(closes.events[-len(STUDENTS):]))
            if number >= 9:  # the first day with ten closed school days: every review from here on

                async def reviewed(through: date = day) -> bool:
                    got = await client.get(f"{school}/attendance-target", params={"schoolYear": 2022})
                    return got.status_code == 200 and got.json()["lastDay"] == through.isoformat()

                await until(reviewed)
        await settled(kafka_bootstrap, apps=[app])
        dipped = list(await schools.read_to_end())
        twice = (await client.get(f"{school}/attendance-target", params={"schoolYear": 2022})).json()

        corrections = Feed(district_id, SCHOOL).daily("s1", D[13], PRESENT).daily("s2", D[13], PRESENT)
        await publish(kafka_bootstrap, topics.ATTENDANCE, corrections.messages())
        recovered = await schools.wait_for(lambda m: len(m) == 4)
        target = (await client.get(f"{school}/attendance-target", params={"schoolYear": 2022})).json()
        report = (await client.get(f"{school}/campaigns/report",
                                   params={"start": D[6].isoformat(), "end": D[11].isoformat(), "days": 4})).json()
        first_days = (await client.get(f"{school}/campaigns/report",
                                       params={"start": D[0].isoformat(), "end": D[3].isoformat()})).json()
        backwards = await client.get(f"{school}/campaigns/report",
                                     params={"start": D[5].isoformat(), "end": D[4].isoformat()})
        not_a_date = await client.get(f"{school}/campaigns/report", params={"start": "2021-02-30", "end": "2021-09-01"})

    # Window of ten days through each closed day, 5 students (s6 only on D0): D9 49/51 met, D10 47/50 below,
    # D11 47/50 (the absence elsewhere and the tardy do not count), D12 48/50 back, D13 46/50 below again, D14 46/50.
    assert _seen(dipped) == [
        (BELOW_TARGET, D[1], D[10], 0.94), (RECOVERED, D[3], D[12], 0.96), (BELOW_TARGET, D[4], D[13], 0.92)
    ]
    ids = [deterministic_id(district_id, SCHOOL, 2022, kind, n)
           for kind, n in ((BELOW_TARGET, 1), (RECOVERED, 1), (BELOW_TARGET, 2), (RECOVERED, 2))]  # fmt: skip
    assert [m["eventId"] for m in recovered] == ids and len(set(ids)) == 4
    assert all((m["schoolId"], m["schoolYear"], m["target"], m["windowDays"]) == (SCHOOL, 2022, 0.96, 10)
               for m in recovered)  # fmt: skip
    assert _seen(recovered[3:]) == [(RECOVERED, D[5], D[14], 0.96)]  # the corrections leave D5 and D10: 48/50

    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert (twice["state"], twice["attendanceRate"], twice["dips"], twice["recoveries"]) == ("below", 0.92, 2, 1)
    assert (target["state"], target["attendanceRate"], target["firstDay"], target["lastDay"], target["dips"],
            target["recoveries"], target["target"], target["windowDays"]) == (
        "met", 0.96, D[5].isoformat(), D[14].isoformat(), 2, 2, 0.96, 10)  # fmt: skip

    # Before D2-D5: 18/20; during D6-D11: 29/30; after, as far as closed, D12-D14: 15/15.
    spans = [(report[s]["days"], report[s]["enrolledDays"], report[s]["attendedDays"], report[s]["attendanceRate"])
             for s in ("before", "during", "after")]  # fmt: skip
    assert spans == [(4, 20, 18, 0.9), (6, 30, 29, 0.9667), (3, 15, 15, 1.0)]
    assert (report["before"]["firstDay"], report["after"]["lastDay"]) == (D[2].isoformat(), D[14].isoformat())
    assert (report["duringChangePoints"], report["afterChangePoints"], report["closedThrough"]) == (
        6.67, 10.0, D[14].isoformat())  # fmt: skip
    # Nothing before the first day; D0-D3 counts s6 on D0: 20/21; after, D4-D13: 48/50.
    assert first_days["before"] == {"firstDay": None, "lastDay": None, "days": 0, "enrolledDays": 0,
                                    "attendedDays": 0, "attendanceRate": None}  # fmt: skip
    assert (first_days["during"]["attendedDays"], first_days["during"]["enrolledDays"]) == (20, 21)
    assert (first_days["after"]["days"], first_days["after"]["attendanceRate"]) == (10, 0.96)
    assert first_days["duringChangePoints"] is None
    assert backwards.status_code == 400 and backwards.json()["detail"].startswith("end:")
    assert not_a_date.status_code == 422 and "start" in not_a_date.json()["detail"]


@pytest.mark.integration
async def test_redelivered_events_and_a_restart_emit_no_second_dip(settings, kafka_bootstrap, district_id):
    feed = Feed(district_id, SCHOOL)
    for student in STUDENTS:
        feed.enroll(student, D[0])
    feed.daily("s1", D[1], UNEXCUSED).daily("s2", D[2], UNEXCUSED).daily("s3", D[3], UNEXCUSED)
    records = len(feed.events)
    for day in D[:10]:
        for student in STUDENTS:
            feed.close(student, day, [day])
    async with (
        serve(create_app(settings)) as client,
        TopicReader(kafka_bootstrap, topics.SCHOOLS, district_id) as schools,
    ):
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages(feed.events[:records]))
        await _applied(client, district_id, {"s1": (1, 1), "s2": (1, 1), "s3": (1, 1), "s4": (0, 0), "s5": (0, 0)})
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages(feed.events[records:]))
        first = list(await schools.wait_for(lambda m: len(m) == 1))
    restarted = create_app(settings)
    async with serve(restarted), TopicReader(kafka_bootstrap, topics.SCHOOLS, district_id) as schools:
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())  # every event again, after a restart
        await settled(kafka_bootstrap, apps=[restarted])
        again = await schools.read_to_end()
    assert _seen(first) == [(BELOW_TARGET, D[0], D[9], 0.94)]  # 47 of 50 days attended
    assert again == first


@pytest.mark.integration
async def test_a_close_applied_over_several_batches_is_reviewed_once_all_its_students_are_in(
    settings, kafka_bootstrap, district_id
):
    feed = Feed(district_id, SCHOOL)
    for student in STUDENTS:
        feed.enroll(student, D[0])
    feed.daily("s1", D[0], UNEXCUSED).daily("s2", D[0], UNEXCUSED).daily("s3", D[0], UNEXCUSED)
    feed.daily("s1", D[1], UNEXCUSED)
    for day in D[:10]:
        feed.close_school(list(STUDENTS), day, [day])
    # D10's close reaches s1-s3 in one batch; s4's and s5's absences that day and their closes in a later one.
    close = Feed(district_id, SCHOOL).close_school(list(STUDENTS), D[10], [D[10]]).events
    late = Feed(district_id, SCHOOL).daily("s4", D[10], UNEXCUSED).daily("s5", D[10], UNEXCUSED).events + close[3:]
    school = f"/v1/districts/{district_id}/schools/{SCHOOL}/attendance-target"
    app = create_app(settings)
    async with (
        serve(app) as client,
        TopicReader(kafka_bootstrap, topics.SCHOOLS, district_id) as schools,
    ):
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages())
        await schools.wait_for(lambda m: len(m) == 1)
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages(close[:3]))

        async def told(student: str) -> bool:
            got = await client.get(f"/v1/districts/{district_id}/students/{student}/summary",
                                   params={"schoolYear": 2022})  # fmt: skip
            return got.status_code == 200 and got.json()["enrolledDays"] == 11

        for student in STUDENTS[:3]:
            await until(lambda student=student: told(student))
        await publish(kafka_bootstrap, topics.ATTENDANCE, feed.messages(late))

        async def reviewed() -> dict | None:
            got = (await client.get(school, params={"schoolYear": 2022})).json()
            return got if got["lastDay"] == D[10].isoformat() else None

        target = await until(reviewed)
        await settled(kafka_bootstrap, apps=[app])
        seen = await schools.read_to_end()

    # Through D9: D0's three absences and D1's, 46/50. Through D10: D1's and the two on D10, 47/50, still below;
    # reviewed with s1-s3's closes alone it would be 49/50, a recovery, and a second dip after.
    assert _seen(seen) == [(BELOW_TARGET, D[0], D[9], 0.92)]
    assert (target["state"], target["attendanceRate"], target["firstDay"], target["dips"], target["recoveries"]) == (
        "below", 0.94, D[1].isoformat(), 1, 0)  # fmt: skip


@pytest.mark.integration
async def test_a_campaign_at_the_ends_of_the_calendar_is_refused_naming_the_date_not_failed(settings, district_id):
    report = f"/v1/districts/{district_id}/schools/{SCHOOL}/campaigns/report"
    async with serve(create_app(settings)) as client:
        first = await client.get(report, params={"start": "0001-01-01", "end": "2021-09-10"})
        last = await client.get(report, params={"start": "2021-09-01", "end": "9999-12-31"})
        both = await client.get(report, params={"start": "0001-01-01", "end": "9999-12-31", "days": 60})
        widest = await client.get(report, params={"start": "1899-07-01", "end": "2200-06-30", "days": 60})
    assert first.status_code == 422 and first.headers["content-type"] == "application/problem+json"
    assert first.json()["detail"] == "start: Input should be greater than or equal to 1899-07-01"
    assert last.status_code == 422 and last.json()["detail"] == "end: Input should be less than or equal to 2200-06-30"
    assert both.status_code == 422 and both.json()["errors"] == [
        "start: Input should be greater than or equal to 1899-07-01", "end: Input should be less than or equal to 2200-06-30"
    ]
    assert widest.status_code == 200, widest.text
    assert [widest.json()[span]["days"] for span in ("before", "during", "after")] == [0, 0, 0]
