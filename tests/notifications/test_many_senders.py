"""Two notifications processes on one database reach 400 families through providers that take half a second a
message: each family once, and a family whose details or district template are bad fails alone.

Three districts cross truancy-1 for their families (roster posted to ingest, crossings on the broker). In
one, a guardian's email address came from the SIS with a line break in it; another district's own text
template renders its sample but fails on a family whose school the district never named. The in-doubt
window is ten seconds: a sender that claimed a large batch, or counted the window from its claim, would see
the other process send its texts again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.outreach.failures import INVALID_ADDRESS, TEMPLATE_FAILED
from rollcall_shared import topics
from tests.notifications.family import SCHOOL, change, contact, household_known, lives_with, post_roster, student
from tests.support.auth import EVERY_SCOPE
from tests.support.outside import SMS_ACCOUNT, SMS_TOKEN, FlakySmsProvider, SlowMailServer, running_sms_gateway
from tests.support.process import ServiceProcess
from tests.support.stack import every_item, publish, serve_http, until

pytestmark = pytest.mark.integration

PACE = 0.5
"""Seconds each provider takes for each message."""
FAMILIES = {"a": 134, "b": 133, "c": 133}
UNNAMED_SCHOOL = "255901099"
LINE_BREAK_EMAIL = "rosa.vidal@families.example\r\nBcc: everyone@elsewhere.example"
SCHOOL_FIRST_WORD = (
    "{% block body %}{{ children[0].school_name.split()[0] }} attendance: {{ children | names }} missed "
    "{{ children[0].truant_days }} days without an excuse. Reply STOP to stop these texts.{% endblock %}"
)
"""Lakeside's own text: it assumes every school has a name in the district's settings (the sample's do)."""


async def test_two_senders_reach_each_family_once_and_bad_items_fail_alone(kafka_bootstrap, databases, tmp_path):
    run = uuid.uuid4().hex[:6]
    districts = {name: f"ms{name}-{run}" for name in FAMILIES}
    ingest = ingest_app(IngestSettings(
        database_url=databases.create(f"ms_ingest_{run}", migrate="ingest"),
        kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05,
    ))  # fmt: skip
    database_url = databases.create(f"ms_notifications_{run}", migrate="notifications")
    with SlowMailServer(PACE, pace=PACE) as mail, running_sms_gateway(tmp_path / "sms") as gateway:
        sms = FlakySmsProvider(gateway, PACE, pace=PACE)
        async with serve_http(sms.app) as provider, serve_http(ingest) as sis:
            senders = [ServiceProcess("notifications", {
                "NOTIFICATIONS_DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "NOTIFICATIONS_CONSUMER_GROUP": f"notifications-{run}",
                "NOTIFICATIONS_INGEST_URL": str(sis.base_url).rstrip("/"),
                "NOTIFICATIONS_SMTP_HOST": mail.host, "NOTIFICATIONS_SMTP_PORT": str(mail.port),
                "NOTIFICATIONS_SMS_BASE_URL": f"{str(provider.base_url).rstrip('/')}/v1",
                "NOTIFICATIONS_SMS_ACCOUNT": SMS_ACCOUNT, "NOTIFICATIONS_SMS_TOKEN": SMS_TOKEN,
                "NOTIFICATIONS_HOLD_SECONDS": "0", "NOTIFICATIONS_IN_DOUBT_SECONDS": "10",
                "NOTIFICATIONS_DISPATCH_POLL_SECONDS": "0.1", "NOTIFICATIONS_OUTBOX_POLL_SECONDS": "0.1",
            }, tmp_path / f"sender-{n}") for n in range(2)]  # fmt: skip
            for sender in senders:
                sender.log_path.parent.mkdir()
                sender.env["NOTIFICATIONS_PUBLIC_URL"] = sender.url
            try:
                await asyncio.gather(*(asyncio.to_thread(sender.start) for sender in senders))
                async with httpx.AsyncClient(base_url=senders[0].url, timeout=30, auth=EVERY_SCOPE) as api:
                    bad = await _families(sis, api, districts)
                    await publish(kafka_bootstrap, topics.THRESHOLDS, [
                        (topics.student_key(district_id, student_id), change(
                            district_id, student_id, "truancy-1",
                            school_id=UNNAMED_SCHOOL if student_id == bad["template"] else SCHOOL,
                        ).to_json())
                        for district_id, students in _students(districts).items() for student_id in students
                    ])  # fmt: skip
                    items = await until(lambda: _all_done(api, districts), 150)
            finally:
                for sender in senders:
                    sender.stop()

    keys = Counter(post["key"] for post in sms.posts)
    message_ids = Counter(message["Message-ID"] for message in mail.messages())
    assert keys and max(keys.values()) == 1, "a text went to the provider twice"
    assert message_ids and max(message_ids.values()) == 1, "an email went to the mail server twice"
    assert len(gateway.messages()) == len(keys)
    reached = set(keys) | {message_id.strip("<>").split("@")[0] for message_id in message_ids}

    failed = {item["studentId"]: item for item in items if item["status"] == "failed"}
    went_out = [item for item in items if item["status"] in ("sent", "delivered")]
    assert set(failed) == {bad["email"], bad["template"]}
    assert len(went_out) == sum(FAMILIES.values()) - 2 == len(reached)
    assert {item["outreachId"] for item in went_out} == reached, "what went out is what the providers received"
    assert not {item["outreachId"] for item in failed.values()} & reached, "a message received is recorded failed"
    assert {item["districtId"] for item in went_out} == set(districts.values())

    assert failed[bad["email"]]["reason"] == INVALID_ADDRESS
    template = failed[bad["template"]]["reason"]
    assert template.startswith(f"{TEMPLATE_FAILED}line 1: ") and "split" in template, template
    for reason in (failed[bad["email"]]["reason"], template):
        assert [word for word in ("Rosa", "Vidal", "rosa.vidal", "elsewhere", "Omar", "Haddad") if word in reason] == []
    callbacks = {urlsplit(post["callback"]).port for post in sms.posts}
    assert callbacks == {sender.port for sender in senders}, "both processes sent texts"


def _students(districts: dict[str, str]) -> dict[str, list[str]]:
    """Each district's students, by district id; numbered across districts so every contact detail is unique."""
    first = 0
    found = {}
    for name, count in FAMILIES.items():
        found[districts[name]] = [f"8{first + n:05d}" for n in range(count)]
        first += count
    return found


async def _families(sis: httpx.AsyncClient, api: httpx.AsyncClient, districts: dict[str, str]) -> dict[str, str]:
    """Every family on file, half taking texts; the districts' settings; the two bad families' students."""
    students = _students(districts)
    bad = {"email": students[districts["a"]][0], "template": students[districts["c"]][0]}
    for district_id, ids in students.items():
        base = f"/v1/districts/{district_id}"
        contacts = []
        for student_id in ids:
            n = int(student_id[1:])
            mobile, email = f"(415) 555-{1000 + n:04d}", f"family{n}@families.example"
            if student_id == bad["email"]:
                contacts.append(contact(_contact_id(student_id), "Rosa", "Vidal", email=LINE_BREAK_EMAIL))
            elif student_id == bad["template"]:
                contacts.append(contact(_contact_id(student_id), "Omar", "Haddad", mobile=mobile))
            else:
                on_file = {"email": email} if n % 2 else {"mobile": mobile}
                contacts.append(contact(_contact_id(student_id), "Parent", f"Family{n}", **on_file))
        await post_roster(sis, base, students=[student(s, f"Kid{s}", f"Family{s}") for s in ids], contacts=contacts,
                          links=[lives_with(s, _contact_id(s)) for s in ids])  # fmt: skip
        settings = {"quietHours": {}, "printTime": None, "outreach": {"truancy-1": ["message"]},
                    "schools": {SCHOOL: "Lakeside Elementary"}}  # fmt: skip
        answer = await api.put(f"{base}/settings", json=settings)
        assert answer.status_code == 200, answer.text
    own = await api.put(f"/v1/districts/{districts['c']}/templates/truancy-1/sms/en",
                        json={"source": SCHOOL_FIRST_WORD})  # fmt: skip
    assert own.status_code == 200, own.text  # it renders the sample family
    for district_id, ids in students.items():
        await until(lambda: household_known(api, f"/v1/districts/{district_id}", ids[-1]), 60)
    return bad


def _contact_id(student_id: str) -> str:
    return f"9{student_id[1:]}"


async def _all_done(api: httpx.AsyncClient, districts: dict[str, str]) -> list[dict[str, Any]] | None:
    for district_id in districts.values():
        waiting = await api.get(f"/v1/districts/{district_id}/outreach", params={"status": "scheduled", "limit": 1})
        if waiting.json()["items"]:
            return None
    items = []
    for district_id in districts.values():
        found = await every_item(api, f"/v1/districts/{district_id}/outreach")
        items += [item | {"districtId": district_id} for item in found]
    waiting = [item for item in items if item["status"] in ("scheduled", "pending_approval")]
    return items if len(items) >= sum(FAMILIES.values()) and not waiting else None
