"""A mail server and an SMS provider that are slow past the timeout or fail: tried again later, never sent twice.

Notifications gives each provider 1 s; the stand-ins stall for 2. An item the provider did not take
waits `NOTIFICATIONS_RETRY_FIRST_SECONDS` (a minute in production, a second here), twice that after a
second call, and so on, and goes again; the provider's counts say how many messages a family received. A text goes again under the same idempotency key, so a provider
that took it but answered late hands back the first message. An email handed over but never
confirmed is not sent again (SMTP has no idempotency key): it is marked failed, as after a crash.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest

from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from rollcall_shared import topics
from tests.notifications.family import change, contact, household_known, lives_with, post_roster, student
from tests.support.outside import (
    SMS_ACCOUNT, SMS_TOKEN, FlakySmsProvider, SlowMailServer, notifications_settings, running_sms_gateway,
)  # fmt: skip
from tests.support.process import free_port
from tests.support.stack import publish, serve_http, until

pytestmark = pytest.mark.integration

TIMEOUT, STALL = 1.0, 2.0
RETRY_FIRST = 1.0
FINAL = ("sent", "delivered", "failed")


@dataclass
class Providers:
    bootstrap: str
    ingest: Any
    notifications: Any
    mail: SlowMailServer
    sms: FlakySmsProvider


@pytest.fixture(scope="module")
async def providers(kafka_bootstrap, databases, tmp_path_factory):
    """Ingest and notifications of their own (no other test's family is on file), reaching families through the
    stand-ins."""
    run = uuid.uuid4().hex[:6]
    common = {"kafka_bootstrap_servers": kafka_bootstrap, "outbox_poll_seconds": 0.05}
    ingest = ingest_app(IngestSettings(database_url=databases.create(f"fs_ingest_{run}", migrate="ingest"), **common))
    with SlowMailServer(STALL) as mail, \
            running_sms_gateway(tmp_path_factory.mktemp("sms"), callback_delay=2 * STALL) as gateway:
        sms = FlakySmsProvider(gateway, STALL)
        async with serve_http(sms.app) as front, serve_http(ingest) as sis:
            port = free_port()
            notifications = notifications_app(notifications_settings(
                database_url=databases.create(f"fs_notifications_{run}", migrate="notifications"),
                consumer_group=f"notifications-{run}", ingest_url=str(sis.base_url).rstrip("/"),
                public_url=f"http://127.0.0.1:{port}", smtp_host=mail.host, smtp_port=mail.port,
                sms_base_url=f"{str(front.base_url).rstrip('/')}/v1", sms_account=SMS_ACCOUNT, sms_token=SMS_TOKEN,
                smtp_timeout_seconds=TIMEOUT, sms_timeout_seconds=TIMEOUT, hold_seconds=0, dispatch_poll_seconds=0.1,
                retry_first_seconds=RETRY_FIRST,
                **common,
            ))  # fmt: skip
            async with serve_http(notifications, port=port) as families:
                yield Providers(kafka_bootstrap, sis, families, mail, sms)


async def reach(providers: Providers, district_id: str, **on_file: str) -> dict[str, Any]:
    """A family with `mobile` or `email` on file crosses truancy-1; its short message once it is done."""
    base = f"/v1/districts/{district_id}"
    answer = await providers.notifications.put(f"{base}/settings", json={"quietHours": {}, "printTime": None})
    assert answer.status_code == 200, answer.text
    await post_roster(providers.ingest, base, students=[student("690001", "Lena", "Moreau")],
                      contacts=[contact("691001", "Claire", "Moreau", **on_file)],
                      links=[lives_with("690001", "691001")])  # fmt: skip
    await until(lambda: household_known(providers.notifications, base, "690001"))
    await publish(providers.bootstrap, topics.THRESHOLDS, [
        (topics.student_key(district_id, "690001"), change(district_id, "690001", "truancy-1").to_json())
    ])  # fmt: skip
    return await until(lambda: _message_done(providers, base), 60)


async def _message_done(providers: Providers, base: str) -> dict[str, Any] | None:
    items = (await providers.notifications.get(f"{base}/outreach", params={"studentId": "690001"})).json()["items"]
    return next((item for item in items if item["channel"] != "letter" and item["status"] in FINAL), None)


def spaced(attempts: list[float]) -> bool:
    """Each attempt came at least the retry delay after the one before, a delay that doubles: no tight loop."""
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    return all(gap >= RETRY_FIRST * 2**n * 0.9 for n, gap in enumerate(gaps))


async def test_a_mail_server_slow_to_answer_before_taking_the_message_gets_it_once_on_the_third_try(
    providers, district_id
):
    address = f"{district_id}@families.example"
    providers.mail.stall("before", 2)
    before = len(providers.mail.attempts)

    item = await reach(providers, district_id, email=address)

    attempts = providers.mail.attempts[before:]
    assert item["channel"] == "email" and item["status"] == "sent"
    assert [mail["To"] for mail in providers.mail.messages()].count(address) == 1
    assert len(attempts) == 3 and spaced(attempts)


async def test_a_mail_server_slow_to_confirm_a_message_it_kept_does_not_get_it_again(providers, district_id):
    address = f"{district_id}@families.example"
    providers.mail.stall("after", 1)
    before = len(providers.mail.attempts)

    item = await reach(providers, district_id, email=address)
    await asyncio.sleep(TIMEOUT + 2 * RETRY_FIRST)  # time enough for a try it must not make

    assert [mail["To"] for mail in providers.mail.messages()].count(address) == 1, "the family got the email twice"
    assert len(providers.mail.attempts) - before == 1
    assert item["status"] == "failed" and "not sent again" in item["reason"]


@pytest.mark.parametrize(("trouble", "times", "number"), [("500", 2, "+14155550311"), ("late", 1, "+14155550312")])
async def test_an_sms_provider_that_fails_or_answers_late_sends_the_text_once(
    providers, district_id, trouble, times, number
):
    providers.sms.fail(trouble, times)
    before, replays = len(providers.sms.attempts), providers.sms.gateway.replays()

    await reach(providers, district_id, mobile=number)
    await until(lambda: _delivered(providers, district_id), 30)

    attempts = providers.sms.attempts[before:]
    assert [text["to"] for text in providers.sms.gateway.messages()].count(number) == 1, "the family got the text twice"
    assert len(attempts) == times + 1 and spaced(attempts)
    assert providers.sms.gateway.replays() - replays == (1 if trouble == "late" else 0)


async def _delivered(providers: Providers, district_id: str) -> dict[str, Any] | None:
    item = await _message_done(providers, f"/v1/districts/{district_id}")
    return item if item is not None and item["status"] == "delivered" else None
