"""Crossings to families, end to end: ingest's roster, notifications, a real SMTP server and SMS endpoint.

Ingest and notifications run on real local ports (notifications reads the roster from ingest over
HTTP; the SMS gateway calls notifications back), on the bundled broker and migrated Postgres.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader

from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from notifications.channels.sms import signature
from rollcall_shared import topics
from rollcall_shared.events import ThresholdChanged
from tests.notifications.family import change, contact, lives_with, student
from tests.support.stored import plaintext_in, stored_bytes
from tests.support.outside import SMS_TOKEN, notifications_settings, running_mailbox, running_sms_gateway
from tests.support.process import free_port
from tests.support.stack import TopicReader, publish, serve_http, until

pytestmark = pytest.mark.integration

OTHER_SCHOOL = "255901044"


class Stack:
    def __init__(
        self, district_id: str, ingest, notifications, mailbox, sms, bootstrap: str, stores: dict[str, str]
    ) -> None:
        self.district_id = district_id
        self.ingest = ingest
        self.notifications = notifications
        self.mailbox = mailbox
        self.sms = sms
        self.bootstrap = bootstrap
        self.stores = stores
        """Each service's database URL, to read what it holds with plain SQL."""
        self.base = f"/v1/districts/{district_id}"

    def elsewhere(self, district_id: str) -> Stack:
        """Another district on the same services."""
        return Stack(district_id, self.ingest, self.notifications, self.mailbox, self.sms, self.bootstrap, self.stores)

    async def roster(self, students=(), contacts=(), links=()) -> None:
        for resource, documents in (("students", students), ("contacts", contacts), ("studentContactAssociations", links)):
            if documents:
                answer = await self.ingest.post(f"{self.base}/ed-fi/{resource}", json=list(documents))
                assert answer.status_code == 200 and not answer.json()["rejected"], answer.text

    async def known(self, student_id: str, timeout: float = 30) -> None:
        """Wait until notifications' projection has the student's household."""
        await self.until(lambda: self._household(student_id), timeout)

    async def _household(self, student_id: str) -> bool:
        answer = await self.notifications.get(f"{self.base}/students/{student_id}/household")
        return answer.status_code == 200 and bool(answer.json()["guardians"])

    async def reply(self, number: str, body: str) -> None:
        """A family's text back, as the SMS provider posts it: signed."""
        url = f"{str(self.notifications.base_url).rstrip('/')}{self.base}/sms/inbound"
        form = {"From": number, "To": "+15550100000", "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}"}
        answer = await self.notifications.post(
            f"{self.base}/sms/inbound", data=form, headers={"X-Twilio-Signature": signature(url, form, SMS_TOKEN)}
        )
        assert answer.status_code == 204, answer.text

    async def cross(self, *changes: ThresholdChanged) -> None:
        await publish(self.bootstrap, topics.THRESHOLDS, [
            (topics.student_key(c.district_id, c.student_id), c.to_json()) for c in changes
        ])  # fmt: skip

    async def outreach(self, **filters: str) -> list[dict[str, Any]]:
        answer = await self.notifications.get(f"{self.base}/outreach", params=filters | {"limit": 1000})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    async def until(self, check: Callable[[], Any], timeout: float = 30) -> Any:
        return await until(check, timeout)

    async def statuses(
        self, student_id: str, count: int, timeout: float = 30, **filters: str
    ) -> dict[str, dict[str, Any]]:
        """The student's items by channel, once there are `count` of them and none is in flight."""
        async def settled():
            items = await self.outreach(studentId=student_id, **filters)
            return len(items) == count and all(i["status"] != "scheduled" or i["channel"] == "letter" for i in items) and items
        return {item["channel"]: item for item in await self.until(settled, timeout)}


@pytest.fixture(scope="module")
async def stack(kafka_bootstrap, databases, tmp_path_factory):
    district_id = f"test-{uuid.uuid4().hex[:10]}"
    run = uuid.uuid4().hex[:6]
    folder = tmp_path_factory.mktemp("outreach")
    stores = {name: databases.create(f"nt_{name}_{run}", migrate=name) for name in ("ingest", "notifications")}
    ingest = ingest_app(IngestSettings(
        database_url=stores["ingest"], kafka_bootstrap_servers=kafka_bootstrap, outbox_poll_seconds=0.05,
    ))  # fmt: skip
    with running_mailbox(folder / "mail") as mailbox, running_sms_gateway(folder / "sms") as sms:
        async with serve_http(ingest) as sis:
            port = free_port()
            settings = notifications_settings(
                mailbox=mailbox, sms_gateway=sms,
                database_url=stores["notifications"],
                kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"notifications-{run}",
                ingest_url=str(sis.base_url).rstrip("/"), public_url=f"http://127.0.0.1:{port}",
                outbox_poll_seconds=0.05, dispatch_poll_seconds=0.1, hold_seconds=5,
            )  # fmt: skip
            async with serve_http(notifications_app(settings), port=port) as notifications:
                # Quiet hours would hold texts until morning wherever the suite runs at night, and past the print
                # time the day's batch would be made as soon as one letter is due; the tests print it themselves.
                answer = await notifications.put(f"/v1/districts/{district_id}/settings",
                                                 json={"quietHours": {}, "printTime": None})  # fmt: skip
                assert answer.status_code == 200, answer.text
                yield Stack(district_id, sis, notifications, mailbox, sms, kafka_bootstrap, stores)


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_siblings_who_cross_together_get_one_text_and_one_letter_naming_both_in_spanish(stack: Stack):
    await stack.roster(
        students=[student("700001", "Ana", "Reyes"), student("700002", "Luis", "Reyes")],
        contacts=[contact("900001", "Marisol", "Reyes", mobile="(415) 555-0101", language="spa")],
        links=[lives_with("700001", "900001"), lives_with("700002", "900001")],
    )
    await stack.known("700002")
    async with TopicReader(stack.bootstrap, topics.OUTREACH, stack.district_id) as published:
        await stack.cross(change(stack.district_id, "700001", "truancy-1"))
        await asyncio.sleep(1)  # the sibling's records come a moment later, within the hold
        await stack.cross(change(stack.district_id, "700002", "truancy-1"))

        ana = await stack.statuses("700001", 2)
        luis = await stack.statuses("700002", 2)
        await stack.until(lambda: _delivered(stack, ana, luis))
        events = await published.wait_for(lambda seen: any(m["status"] == "delivered" for m in seen))
    texts = [text for text in stack.sms.messages() if text["to"] == "+14155550101"]

    assert len(texts) == 1
    assert "Ana" in texts[0]["body"] and "Luis" in texts[0]["body"]
    carrier, merged = (ana["sms"], luis["sms"]) if ana["sms"]["status"] != "suppressed" else (luis["sms"], ana["sms"])
    assert merged["status"] == "suppressed" and merged["mergedInto"] == carrier["outreachId"]
    assert ana["sms"]["language"] == "es" and ana["sms"]["householdId"] == luis["sms"]["householdId"]
    detail = (await stack.notifications.get(f"{stack.base}/outreach/{carrier['outreachId']}")).json()
    assert detail["body"] == texts[0]["body"]
    assert {m["type"] for m in events} == {"outreach.status-changed"}
    assert {"scheduled", "sent", "delivered", "suppressed"} <= {m["status"] for m in events}

    batches = (await stack.notifications.post(f"{stack.base}/letter-batches", json={})).json()
    assert [(b["schoolId"], b["letters"]) for b in batches] == [("255901001", 1)]
    pdf = await stack.notifications.get(f"{stack.base}/letter-batches/{batches[0]['batchId']}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    [page, *_] = pdf_text(pdf.content)
    assert "Ana" in page and "Luis" in page and "Marisol Reyes" in page and "12 Elm Street" in page
    assert "septiembre" in page  # the dates missed, in Spanish
    letters = {item["studentId"]: item["status"] for item in await stack.outreach(channel="letter")
               if item["studentId"] in ("700001", "700002")}
    assert sorted(letters.values()) == ["sent", "suppressed"]


async def _delivered(stack: Stack, *students: dict[str, dict[str, Any]]) -> bool:
    items = await stack.outreach(channel="sms")
    return any(item["status"] == "delivered" for item in items)


async def test_a_clearing_cancels_what_has_not_gone_out_and_a_printed_truancy_letter_gets_a_correction(stack: Stack):
    settings = (await stack.notifications.get(f"{stack.base}/settings")).json()
    answer = await stack.notifications.put(f"{stack.base}/settings", json=settings | {"lettersNeedApproval": True})
    assert settings["quietHours"] == {}
    assert answer.status_code == 200, answer.text
    await stack.roster(
        students=[student("700010", "Grace", "Okafor")],
        contacts=[contact("900010", "Ngozi", "Okafor", email="ngozi@example.org")],
        links=[lives_with("700010", "900010")],
    )
    await stack.known("700010")

    await stack.cross(
        change(stack.district_id, "700010", "truancy-1"), change(stack.district_id, "700010", "truancy-1", cleared=True)
    )
    cancelled = await stack.statuses("700010", 2)
    assert {channel: item["status"] for channel, item in cancelled.items()} == {"letter": "cancelled", "email": "cancelled"}

    # Another school: the first school's batch of the day is already printed.
    await stack.cross(change(stack.district_id, "700010", "truancy-2", truant_days=5, school_id=OTHER_SCHOOL))
    items = await stack.statuses("700010", 2, ruleId="truancy-2")
    assert items["letter"]["status"] == "pending_approval"
    approved = await stack.notifications.post(f"{stack.base}/outreach/approvals", json={"ruleId": "truancy-2"})
    assert approved.json()["outreachIds"] == [items["letter"]["outreachId"]]
    printed = await stack.notifications.post(f"{stack.base}/letter-batches", json={"schoolId": OTHER_SCHOOL})
    assert [batch["letters"] for batch in printed.json()] == [1]
    await stack.until(lambda: stack.mailbox.messages())

    await stack.cross(
        change(stack.district_id, "700010", "truancy-2", cleared=True, truant_days=4, school_id=OTHER_SCHOOL)
    )
    corrections = await stack.until(lambda: _corrections(stack, "700010"))
    assert corrections[0]["channel"] == "letter" and corrections[0]["status"] == "pending_approval"
    [mail] = stack.mailbox.messages()
    assert mail["To"] == "ngozi@example.org" and "Grace" in mail.get_content()


async def _corrections(stack: Stack, student_id: str) -> list[dict[str, Any]]:
    return [item for item in await stack.outreach(studentId=student_id) if item["kind"] == "correction"]


async def test_an_undeliverable_text_falls_back_to_email(stack: Stack):
    await stack.roster(
        students=[student("700020", "Tom", "Berg")],
        contacts=[contact("900020", "Lena", "Berg", mobile="(415) 555-0000", email="lena@example.org")],
        links=[lives_with("700020", "900020")],
    )
    await stack.known("700020")
    await stack.cross(change(stack.district_id, "700020", "chronic-risk"))

    items = await stack.statuses("700020", 3)

    assert items["sms"]["status"] == "failed" and "undeliverable" in items["sms"]["reason"]
    assert items["email"]["status"] == "sent"
    assert any(mail["To"] == "lena@example.org" for mail in stack.mailbox.messages())


async def test_stop_opts_a_number_out_at_once(stack: Stack):
    await stack.roster(
        students=[student("700030", "Ivy", "Chen")],
        contacts=[contact("900030", "Wei", "Chen", mobile="(415) 555-0130")],
        links=[lives_with("700030", "900030")],
    )
    await stack.known("700030")
    form = {"From": "+14155550130", "To": "+15550100000", "Body": " stop ", "MessageSid": "SM1"}
    unsigned = await stack.notifications.post(f"{stack.base}/sms/inbound", data=form)
    assert unsigned.status_code == 403
    await stack.reply("+14155550130", " stop ")

    await stack.cross(change(stack.district_id, "700030", "success-plan"))
    items = await stack.statuses("700030", 2)

    assert items["sms"]["status"] == "suppressed" and "opted out" in items["sms"]["reason"]
    assert not [text for text in stack.sms.messages() if text["to"] == "+14155550130"]


async def test_stop_to_our_number_stops_texts_from_every_district_sending_from_it_until_start(stack: Stack):
    west = stack.elsewhere(f"{stack.district_id}-west")
    answer = await west.notifications.put(f"{west.base}/settings", json={"quietHours": {}, "printTime": None})
    assert answer.status_code == 200, answer.text
    for district, student_id, contact_id in ((stack, "700090", "900090"), (west, "700091", "900091")):
        await district.roster(
            students=[student(student_id, "Maya", "Ortiz")],
            contacts=[contact(contact_id, "Lucia", "Ortiz", mobile="(415) 555-0190")],
            links=[lives_with(student_id, contact_id)],
        )
        await district.known(student_id)

    await stack.reply("+14155550190", "STOP")  # to the number every district sends from
    await west.cross(change(west.district_id, "700091", "chronic-risk"))
    stopped = await west.statuses("700091", 2)
    await west.reply("+14155550190", "START")
    await stack.cross(change(stack.district_id, "700090", "chronic-risk"))
    resumed = await stack.statuses("700090", 2)

    assert stopped["sms"]["status"] == "suppressed" and "opted out" in stopped["sms"]["reason"]
    assert resumed["sms"]["status"] in ("sent", "delivered")
    [text] = [text for text in stack.sms.messages() if text["to"] == "+14155550190"]
    assert "Maya" in text["body"]


async def test_no_contact_on_file_suppresses_and_severe_chronic_sends_nothing(stack: Stack):
    await stack.cross(
        change(stack.district_id, "700040", "truancy-1"),
        change(stack.district_id, "700040", "severe-chronic"),
    )
    items = await stack.statuses("700040", 2)

    assert {item["status"] for item in items.values()} == {"suppressed"}
    assert {item["ruleId"] for item in items.values()} == {"truancy-1"}
    assert items["letter"]["reason"] == "no contact on file"


async def test_a_refused_or_bounced_email_is_recorded_as_failed(stack: Stack):
    await stack.roster(
        students=[student("700050", "Omar", "Haddad"), student("700051", "Sara", "Lind")],
        contacts=[
            contact("900050", "Rania", "Haddad", email="bounce-rania@example.org"),
            contact("900051", "Eva", "Lind", email="eva@example.org"),
        ],
        links=[lives_with("700050", "900050"), lives_with("700051", "900051")],
    )
    await stack.known("700051")
    await stack.cross(change(stack.district_id, "700050", "chronic"), change(stack.district_id, "700051", "chronic"))
    refused = await stack.statuses("700050", 2)
    sent = await stack.statuses("700051", 2)
    [mail] = [mail for mail in stack.mailbox.messages() if mail["To"] == "eva@example.org"]

    bounced = await stack.notifications.post(
        f"{stack.base}/outreach/bounces", json={"messageId": mail["Message-ID"], "reason": "550 5.1.1 mailbox unknown"}
    )
    unknown = await stack.notifications.post(f"{stack.base}/outreach/bounces", json={"messageId": "<nobody@nowhere>"})

    assert refused["email"]["status"] == "failed" and "refused" in refused["email"]["reason"]
    assert sent["email"]["status"] == "sent"
    assert bounced.status_code == 200 and bounced.json()["status"] == "failed"
    assert bounced.json()["reason"] == "bounced: 550 5.1.1 mailbox unknown"
    assert unknown.status_code == 404


async def test_an_unreadable_threshold_message_is_dead_lettered_and_the_next_one_still_acts(stack: Stack):
    key = topics.student_key(stack.district_id, "700060")
    async with TopicReader(stack.bootstrap, topics.DEAD_LETTER, stack.district_id) as dead:
        await publish(stack.bootstrap, topics.THRESHOLDS, [(key, b'{"type": "threshold.crossed"}')])
        await stack.cross(change(stack.district_id, "700060", "truancy-1"))

        items = await stack.statuses("700060", 2)
        await dead.wait_for(lambda seen: len(seen) == 1)

    assert dead.messages == [{"type": "threshold.crossed"}]
    assert dead.headers[0]["x-dead-letter-reason"].startswith("unreadable: ")
    assert dead.headers[0]["x-dead-letter-source"].startswith(topics.THRESHOLDS)
    assert set(items) == {"letter", "sms"}


async def test_a_district_template_is_checked_previewed_and_used_for_its_families(stack: Stack):
    path = f"{stack.base}/templates/chronic-risk/sms/en"
    default = (await stack.notifications.get(path)).json()
    broken = await stack.notifications.put(path, json={"source": "{% block body %}Hi {{ children[0].first_name }"})
    sneaky = await stack.notifications.post(
        f"{path}/preview", json={"source": "{% block body %}{{ ''.__class__.__mro__ }}{% endblock %}"}
    )
    own = "{% block body %}Lakeside cares: {{ names(children) }} missed {{ children[0].absent_days }} days.{% endblock %}"
    own = own.replace("names(children)", "children | names")
    saved = await stack.notifications.put(path, json={"source": own})
    preview = await stack.notifications.post(f"{path}/preview", json={})
    letter = await stack.notifications.post(f"{stack.base}/templates/truancy-1/letter/es/preview?format=pdf", json={})

    await stack.roster(
        students=[student("700070", "Noa", "Park")],
        contacts=[contact("900070", "Jin", "Park", mobile="(415) 555-0170")],
        links=[lives_with("700070", "900070")],
    )
    await stack.known("700070")
    await stack.cross(change(stack.district_id, "700070", "chronic-risk"))
    await stack.statuses("700070", 2)

    assert default["overridden"] is False and "{% block body %}" in default["source"]
    assert broken.status_code == 422 and broken.json()["errors"][0].startswith("line 1:")
    assert sneaky.status_code == 422
    assert saved.status_code == 200 and saved.json()["overridden"] is True
    assert preview.json()["body"].startswith("Lakeside cares: ")
    assert letter.headers["content-type"] == "application/pdf" and "48260.5" in "".join(pdf_text(letter.content))
    [text] = [text for text in stack.sms.messages() if text["to"] == "+14155550170"]
    assert text["body"] == "Lakeside cares: Noa missed 3 days."
    assert (await stack.notifications.delete(path)).status_code == 204
    assert (await stack.notifications.get(path)).json()["overridden"] is False


async def test_contact_details_are_ciphertext_at_rest_yet_reach_the_family_and_stop_still_opts_out(stack: Stack):
    school = "255901077"  # a school with no batch printed today, whatever ran before
    await stack.roster(
        students=[student("700080", "Zuleika", "Marchetti")],
        contacts=[contact("900080", "Ottoline", "Marchetti", mobile="(415) 555-0188",
                          email="ottoline@marchetti.example", street="88 Juniper Lane")],  # fmt: skip
        links=[lives_with("700080", "900080")],
    )
    await stack.known("700080")
    await stack.reply("+14155550188", "STOP")
    await stack.cross(change(stack.district_id, "700080", "truancy-1", school_id=school))
    items = await stack.statuses("700080", 2)
    if items["letter"]["status"] == "pending_approval":  # another test asked for approvals in this district
        approval = {"outreachIds": [items["letter"]["outreachId"]]}
        await stack.notifications.post(f"{stack.base}/outreach/approvals", json=approval)
    [batch] = (await stack.notifications.post(f"{stack.base}/letter-batches", json={"schoolId": school})).json()
    pdf = await stack.notifications.get(f"{stack.base}/letter-batches/{batch['batchId']}.pdf")
    household = (await stack.notifications.get(f"{stack.base}/students/700080/household")).json()

    # Read back and sent: the opted-out number gets nothing, the email and the letter carry the details.
    assert "sms" not in items and items["email"]["status"] == "sent"
    assert not [text for text in stack.sms.messages() if text["to"] == "+14155550188"]
    [mail] = [mail for mail in stack.mailbox.messages() if mail["To"] == "ottoline@marchetti.example"]
    assert "Zuleika" in mail.get_content()
    [page, *_] = pdf_text(pdf.content)
    assert "Ottoline Marchetti" in page and "88 Juniper Lane" in page and "Zuleika" in page
    assert [(g["hasAddress"], g["hasEmail"], g["hasMobile"]) for g in household["guardians"]] == [(True, True, True)]
    # Stored: ids in the clear, every name, number, address and email as ciphertext.
    details = ("Zuleika", "Ottoline", "Marchetti", "88 Juniper Lane", "Grand Bend", "marchetti.example",
               "+14155550188", "4155550188", "555-0188")  # fmt: skip
    notifications = stored_bytes(stack.stores["notifications"], stack.district_id,
                                 "student", "guardian", "outreach_item", "sms_opt_out")  # fmt: skip
    ingest = stored_bytes(stack.stores["ingest"], stack.district_id, "roster_document")
    assert b"900080" in notifications and b"900080" in ingest
    assert plaintext_in(notifications, *details) == [] and plaintext_in(ingest, *details) == []
