"""Watching a running system: `/metrics` counters move by what a small feed causes, and one correlation id
follows a record from its HTTP request through every service's log, with no student or family data in any line.

Each service runs as its own process, as an operator runs it, on a broker of this test's own, so
every counter it reads was moved by this feed alone.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from rollcall_shared import topics
from tests.ingest.builders import daily, enrollment
from tests.notifications.family import contact, lives_with, student
from tests.support.process import ServiceProcess, free_port
from tests.support.stack import publish, until
from tests.support.auth import EVERY_SCOPE

pytestmark = pytest.mark.integration

STUDENT, GUARDIAN = "951001", "961001"
FAMILY = ("Quentin", "Oyelaran", "(415) 555-0142", "quentin.oyelaran@example.org", "12 Elm Street")
ABSENT_DAYS = ["2021-09-13", "2021-09-14", "2021-09-15", "2021-09-16", "2021-09-17"]
"""Five unexcused days: truancy-1 at the third; truancy-2 and success-plan at the fifth."""


@pytest.fixture
def services(broker, databases, tmp_path):
    run = uuid.uuid4().hex[:6]
    common = {"KAFKA_BOOTSTRAP_SERVERS": broker.url, "KAFKA_TOPIC_PARTITIONS": "2"}
    started = {}
    for name in ("ingest", "eligibility", "notifications", "plans"):
        env = {**common, f"{name.upper()}_DATABASE_URL": databases.create(f"ob_{name}_{run}", migrate=name),
               f"{name.upper()}_METRICS_SECONDS": "0.5", f"{name.upper()}_OUTBOX_POLL_SECONDS": "0.05"}  # fmt: skip
        if name == "notifications":
            env |= {"NOTIFICATIONS_INGEST_URL": started["ingest"].url, "NOTIFICATIONS_HOLD_SECONDS": "3600",
                    "NOTIFICATIONS_SMTP_PORT": str(free_port())}  # fmt: skip
        started[name] = ServiceProcess(name, env, tmp_path).start()
    try:
        yield started
    finally:
        for process in started.values():
            process.stop()


def scrape(service: ServiceProcess) -> dict[tuple[str, frozenset], float]:
    text = httpx.get(f"{service.url}/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_counters_move_by_what_a_feed_caused_and_one_correlation_id_runs_through_every_log(
    services, broker, district_id, tmp_path
):
    ingest, eligibility, notifications, plans = (services[n] for n in ("ingest", "eligibility", "notifications", "plans"))
    base = f"/v1/districts/{district_id}"
    correlation = f"trace-{uuid.uuid4().hex[:12]}"
    first, last, mobile, email, street = FAMILY
    async with httpx.AsyncClient(base_url=ingest.url, timeout=30, auth=EVERY_SCOPE) as sis:
        for resource, body in (("students", student(STUDENT, "Ada", "Oyelaran")),
                               ("contacts", contact(GUARDIAN, first, last, mobile=mobile, email=email, street=street)),
                               ("studentContactAssociations", lives_with(STUDENT, GUARDIAN))):  # fmt: skip
            assert (await sis.post(f"{base}/ed-fi/{resource}", json=body)).status_code == 200
        async with httpx.AsyncClient(base_url=notifications.url, timeout=30, auth=EVERY_SCOPE) as api:
            await until(lambda: _guardian_known(api, f"{base}/students/{STUDENT}/household"), 60)
        before = {name: scrape(service) for name, service in services.items()}
        headers = {"X-Correlation-Id": correlation}
        enrolled = await sis.post(f"{base}/ed-fi/studentSchoolAssociations",
                                  json=enrollment(STUDENT, "255901001", "2021-08-23"), headers=headers)  # fmt: skip
        absences = await sis.post(f"{base}/ed-fi/studentSchoolAttendanceEvents",
                                  json=[daily(STUDENT, day) for day in ABSENT_DAYS], headers=headers)  # fmt: skip
        await publish(broker.url, topics.THRESHOLDS, [(f"{district_id}:poison", b"not json")])
    async with httpx.AsyncClient(timeout=30, auth=EVERY_SCOPE) as client:
        await until(lambda: _has_case(client, f"{plans.url}{base}/cases"), 90)
        after = await until(lambda: _settled(services, before), 60)

    assert enrolled.headers["x-correlation-id"] == correlation and absences.json()["accepted"] == 5
    ingested = after["ingest"]
    route = "/v1/districts/{district_id}/ed-fi/studentSchoolAttendanceEvents"
    assert moved(before["ingest"], ingested, "rollcall_http_request_duration_seconds_count",
                 service="ingest", method="POST", route=route, status="200") == 1  # fmt: skip
    assert moved(before["ingest"], ingested, "rollcall_events_published_total",
                 service="ingest", topic=topics.ATTENDANCE) == 6  # fmt: skip
    seen = after["eligibility"]
    assert moved(before["eligibility"], seen, "rollcall_events_consumed_total", group="eligibility", topic=topics.ATTENDANCE) == 6
    for rule in ("truancy-1", "truancy-2", "success-plan"):
        assert moved(before["eligibility"], seen, "rollcall_threshold_changes_total", rule=rule, type="threshold.crossed") == 1
    assert moved(before["eligibility"], seen, "rollcall_events_published_total", service="eligibility",
                 topic=topics.THRESHOLDS) == 3  # fmt: skip
    outreach = after["notifications"]
    assert moved(before["notifications"], outreach, "rollcall_outreach_status_changes_total",
                 channel="letter", status="scheduled") == 3  # fmt: skip
    assert moved(before["notifications"], outreach, "rollcall_dead_letters_total",
                 group="notifications", topic=topics.THRESHOLDS) == 1  # fmt: skip
    cases = after["plans"]
    assert moved(before["plans"], cases, "rollcall_case_changes_total", type="case.opened", tier="2") == 1
    assert moved(before["plans"], cases, "rollcall_case_changes_total", type="case.updated", tier="2") == 1
    assert cases[("rollcall_open_cases", frozenset({("tier", "2")}))] == 1
    assert moved(before["plans"], cases, "rollcall_dead_letters_total", group="plans", topic=topics.THRESHOLDS) == 1
    for name, metrics in after.items():
        assert metrics[("rollcall_outbox_backlog", frozenset({("service", name)}))] == 0, name
        lags = [value for (metric, _), value in metrics.items() if metric == "rollcall_consumer_lag"]
        assert lags == [0.0] * len(lags) and (lags or name == "ingest"), name

    logs = {name: _lines(process.log_path) for name, process in services.items()}
    traced = {name: [line for line in lines if line.get("correlation_id") == correlation] for name, lines in logs.items()}
    assert any(line["message"].startswith(f"POST {route} 200") for line in traced["ingest"])
    assert {line["message"].split(",")[0] for line in traced["eligibility"]} == {
        "threshold.crossed truancy-1", "threshold.crossed truancy-2", "threshold.crossed success-plan"}  # fmt: skip
    assert sum(line["message"].startswith("letter notice scheduled") for line in traced["notifications"]) == 3
    assert any(line["message"].startswith("case.opened") for line in traced["plans"])
    for name, process in services.items():
        text = process.log_path.read_text()
        for private in (STUDENT, GUARDIAN, district_id, first, last, email, "555-0142", "5550142", street):
            assert private not in text, f"{name}'s log names {private!r}"


def _lines(path: Path) -> list[dict]:
    """The JSON lines of a log (uvicorn's start-up lines before logging is set up are not JSON)."""
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


async def _guardian_known(api: httpx.AsyncClient, path: str) -> bool:
    answer = await api.get(path)
    return answer.status_code == 200 and bool(answer.json().get("guardians"))


async def _has_case(client: httpx.AsyncClient, url: str) -> bool:
    return bool((await client.get(url)).json()["items"])


async def _settled(services: dict, before: dict) -> dict | None:
    """Every service's metrics once its outbox is empty and every consumer has caught up, twice in a row."""
    after = {name: scrape(service) for name, service in services.items()}
    for name, metrics in after.items():
        if metrics.get(("rollcall_outbox_backlog", frozenset({("service", name)}))) != 0:
            return None
        if any(value for (metric, _), value in metrics.items() if metric == "rollcall_consumer_lag"):
            return None
    # Lag is sampled: it may read 0 before a consumer has heard of the crossings, so wait for them to be read too.
    for name, group in (("notifications", "notifications-outreach"), ("plans", "plans-cases")):
        read = moved(before[name], after[name], "rollcall_events_consumed_total", group=group, topic=topics.THRESHOLDS)
        if read < 4:  # three crossings and the poison message
            return None
    return after
