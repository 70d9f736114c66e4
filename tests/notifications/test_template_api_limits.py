"""Hostile district templates over HTTP: each refused by name within 2 s, while the service answers.

The notifications service runs on a real port with its default limits, on the bundled broker and a
migrated Postgres; the service process is this test's process, so its memory is measured here.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from notifications.app import create_app as notifications_app

from tests.notifications.test_template_limits import GROWING, HOSTILE, TOO_SLOW
from tests.support.outside import notifications_settings
from tests.support.stack import serve_http

pytestmark = pytest.mark.integration

MB = 1024 * 1024
OWN = "{% block body %}Lakeside cares: {{ children|names }} missed {{ children[0].absent_days }} days.{% endblock %}"
OWN_LETTER = (
    '{% import "en/_macros.j2" as m %}{% block subject %}Attendance, {{ school_year_name }}{% endblock %}'
    "{% block body %}{{ m.greeting(recipient) }}\n\n{{ children|names }} missed school.\n\n"
    "{{ letterhead.signer }}{% endblock %}"
)


@pytest.fixture(scope="module")
async def notifications(kafka_bootstrap, databases) -> AsyncIterator[httpx.AsyncClient]:
    run = uuid.uuid4().hex[:6]
    settings = notifications_settings(
        database_url=databases.create(f"tl_{run}", migrate="notifications"),
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_group=f"notifications-{run}",
    )
    async with serve_http(notifications_app(settings)) as client:
        yield client


def resident_memory() -> int:
    with open("/proc/self/status") as status:
        kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kilobytes * 1024


class Probe:
    """Asks /healthz over and over while it runs, keeping how long each answer took."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.seconds: list[float] = []
        self._done = asyncio.Event()

    async def _run(self) -> None:
        while not self._done.is_set():
            started = time.monotonic()
            answer = await self.client.get("/healthz")
            assert answer.status_code == 200
            self.seconds.append(time.monotonic() - started)
            await asyncio.sleep(0.05)  # pacing the probe, not waiting for anything

    async def __aenter__(self) -> Probe:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._done.set()
        await self._task


async def timed(request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = await request
    return answer, time.monotonic() - started


async def test_hostile_templates_are_refused_within_2_s_naming_the_limit_while_healthz_answers(
    notifications: httpx.AsyncClient, district_id: str
):
    path = f"/v1/districts/{district_id}/templates/chronic/sms/en"
    saved = await notifications.put(path, json={"source": OWN})
    assert saved.status_code == 200, saved.text
    await notifications.post(f"{path}/preview", json={})  # what a first preview loads is loaded before measuring
    before = resident_memory()

    async with Probe(notifications) as probe:
        saves = {case: await timed(notifications.put(path, json={"source": source})) for case, (source, _) in HOSTILE.items()}
        previews = {
            case: await timed(notifications.post(f"{path}/preview", json={"source": HOSTILE[case][0]}))
            for case in ("repeated text", "huge format", "slow", "attribute walk")
        }
    grown = resident_memory() - before
    kept = (await notifications.get(path)).json()

    refusals = {case: (answer.status_code, answer.json().get("errors")) for case, (answer, _) in saves.items()}
    for case in GROWING:  # the memory limit, or on a busy machine the time limit, whichever comes first
        if refusals[case] == (422, [TOO_SLOW]):
            refusals[case] = (422, [HOSTILE[case][1]])
    assert refusals == {case: (422, [refusal]) for case, (_, refusal) in HOSTILE.items()}
    assert all(answer.json()["detail"] == answer.json()["errors"][0] for answer, _ in saves.values())
    assert {case: answer.json()["errors"] for case, (answer, _) in previews.items()} == {
        case: [HOSTILE[case][1]] for case in previews
    }
    slowest = max((seconds, case) for case, (_, seconds) in {**saves, **previews}.items())
    assert slowest[0] < 2, slowest
    assert len(probe.seconds) > 20 and max(probe.seconds) < 1, probe.seconds
    assert statistics.median(probe.seconds) < 0.1, probe.seconds
    assert grown < 40 * MB, f"the service grew by {grown / MB:.0f} MB"
    assert kept["source"] == OWN and kept["overridden"] is True


async def test_an_ordinary_district_template_still_saves_previews_and_prints(
    notifications: httpx.AsyncClient, district_id: str
):
    path = f"/v1/districts/{district_id}/templates/truancy-1/letter/en"

    saved = await notifications.put(path, json={"source": OWN_LETTER})
    preview = await notifications.post(f"{path}/preview", json={})
    pdf = await notifications.post(f"{path}/preview?format=pdf", json={})
    sms_pdf = await notifications.post(
        f"/v1/districts/{district_id}/templates/truancy-1/sms/en/preview?format=pdf", json={"source": HOSTILE["slow"][0]}
    )

    assert saved.status_code == 200 and saved.json()["overridden"] is True
    assert preview.json() == {
        "subject": "Attendance, 2021-22",
        "body": "Dear Carmen Sample,\n\nAna and Luis missed school.\n\nAttendance Office",
    }
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert sms_pdf.status_code == 400  # refused before the draft is rendered
