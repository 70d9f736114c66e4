"""A notifications process killed mid-send (SIGKILL) and started again sends nothing twice."""

from __future__ import annotations

import uuid
from collections import Counter

import httpx
import pytest

from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from rollcall_shared import topics
from tests.notifications.family import change, contact, lives_with, student
from tests.support.outside import SMS_ACCOUNT, SMS_TOKEN, running_mailbox, running_sms_gateway
from tests.support.process import ServiceProcess
from tests.support.stack import every_item, publish, serve_http, until
from tests.support.auth import EVERY_SCOPE

pytestmark = pytest.mark.integration

FAMILIES = 160


async def test_a_restart_mid_send_sends_no_text_or_email_twice(kafka_bootstrap, databases, district_id, tmp_path):
    run = uuid.uuid4().hex[:6]
    base = f"/v1/districts/{district_id}"
    ingest = ingest_app(IngestSettings(
        database_url=databases.create(f"nr_ingest_{run}", migrate="ingest"),
        kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05,
    ))  # fmt: skip
    with running_mailbox(tmp_path / "mail") as mailbox, running_sms_gateway(tmp_path / "sms") as sms:
        async with serve_http(ingest) as sis:
            notifications = ServiceProcess("notifications", {
                "NOTIFICATIONS_DATABASE_URL": databases.create(f"nr_notifications_{run}", migrate="notifications"),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "NOTIFICATIONS_CONSUMER_GROUP": f"notifications-{run}",
                "NOTIFICATIONS_INGEST_URL": str(sis.base_url).rstrip("/"),
                "NOTIFICATIONS_SMTP_HOST": mailbox.host, "NOTIFICATIONS_SMTP_PORT": str(mailbox.port),
                "NOTIFICATIONS_SMS_BASE_URL": sms.base_url, "NOTIFICATIONS_SMS_ACCOUNT": SMS_ACCOUNT,
                "NOTIFICATIONS_SMS_TOKEN": SMS_TOKEN,
                "NOTIFICATIONS_HOLD_SECONDS": "0", "NOTIFICATIONS_IN_DOUBT_SECONDS": "6",
                "NOTIFICATIONS_DISPATCH_CLAIM_SIZE": "5", "NOTIFICATIONS_DISPATCH_POLL_SECONDS": "0.1",
                # Two calls at a time: the kill lands while families are still being reached.
                "NOTIFICATIONS_SEND_CONCURRENCY": "2",
            }, tmp_path)  # fmt: skip
            notifications.env["NOTIFICATIONS_PUBLIC_URL"] = notifications.url
            notifications.start()
            try:
                async with httpx.AsyncClient(base_url=notifications.url, timeout=30, auth=EVERY_SCOPE) as api:
                    assert (await api.put(f"{base}/settings", json={"quietHours": {}})).status_code == 200
                    students = [f"71{n:04d}" for n in range(FAMILIES)]
                    await _roster(sis, base, students)
                    await until(lambda: _knows(api, base, students[-1]), 60)
                    await publish(kafka_bootstrap, topics.THRESHOLDS, [
                        (topics.student_key(district_id, s), change(district_id, s, "truancy-1").to_json())
                        for s in students
                    ])  # fmt: skip

                    await until(lambda: len(sms.messages()) + len(mailbox.messages()) >= 20, 60)
                    notifications.kill()
                    sent_before_restart = len(sms.messages()) + len(mailbox.messages())
                    notifications.start()
                    items = await until(lambda: _all_done(api, base), 120)
            finally:
                notifications.stop()

    texts = Counter(text["to"] for text in sms.messages())
    emails = Counter(mail["To"] for mail in mailbox.messages())
    assert sent_before_restart < FAMILIES, "the kill came after everything was sent"
    assert max(texts.values()) == 1 and max(emails.values()) == 1, "a family got a message twice"
    messages = [item for item in items if item["channel"] != "letter"]
    assert len(messages) == FAMILIES
    went_out = [item for item in messages if item["status"] in ("sent", "delivered")]
    interrupted = [item for item in messages if item["status"] == "failed"]
    assert all("interrupted" in item["reason"] for item in interrupted)
    # Only an email caught mid-call is left undone (SMTP has no idempotency key); every other went out once.
    assert len(texts) + len(emails) - len(went_out) in range(0, len(interrupted) + 1)
    assert len(went_out) + len(interrupted) == FAMILIES


async def _roster(sis: httpx.AsyncClient, base: str, students: list[str]) -> None:
    """Half the families take texts, half only email."""
    contacts = [
        contact(f"91{n:04d}", "Parent", f"Family{n}", mobile=f"(415) 555-{1000 + n:04d}")
        if n % 2 == 0
        else contact(f"91{n:04d}", "Parent", f"Family{n}", email=f"family{n}@example.org")
        for n in range(len(students))
    ]
    for resource, body in (
        ("students", [student(s, f"Kid{n}", f"Family{n}") for n, s in enumerate(students)]),
        ("contacts", contacts),
        ("studentContactAssociations", [lives_with(s, f"91{n:04d}") for n, s in enumerate(students)]),
    ):
        answer = await sis.post(f"{base}/ed-fi/{resource}", json=body)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(body), answer.text


async def _knows(api: httpx.AsyncClient, base: str, student_id: str) -> bool:
    answer = await api.get(f"{base}/students/{student_id}/household")
    return answer.status_code == 200 and bool(answer.json()["guardians"])


async def _all_done(api: httpx.AsyncClient, base: str) -> list[dict] | None:
    items = await every_item(api, f"{base}/outreach")
    messages = [item for item in items if item["channel"] != "letter"]
    if len(messages) >= FAMILIES and all(item["status"] not in ("scheduled", "pending_approval") for item in messages):
        return items
    return None
