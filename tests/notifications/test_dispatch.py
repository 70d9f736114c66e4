"""The sender's claims, compare-and-set and recovery, and letter printing, on a migrated Postgres against the
local SMTP server and SMS provider.

Each test writes its district's families and crossings with the service's own code (the roster projection,
the planner) and drives senders (`Dispatcher`, one per process in production) round by round.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from notifications.base import OutboxMessage, ParkedMessage
from notifications.channels.email import EmailSender
from notifications.channels.sms import SmsGateway
from notifications.content.templates import Templates
from notifications.content.workers import TemplateWorkers
from notifications.districts import repository as districts
from notifications.districts.schemas import DistrictSettingsBody
from notifications.districts.service import save
from notifications.letters import repository as letters
from notifications.outreach import repository
from notifications.outreach.calls import call_provider
from notifications.outreach.claims import claim_due
from notifications.outreach.dispatch import Dispatcher
from notifications.content import sample_content
from notifications.outreach.failures import INTERRUPTED, TEMPLATE_FAILED, UNREADABLE_CONTACT, template_failed
from notifications.outreach.models import OutreachItem
from notifications.outreach.service import Planner
from notifications.roster.service import refresh
from notifications.settings import Settings
from rollcall_shared.db import Database
from rollcall_shared.encryption import DEVELOPMENT_CONTACT_KEY, DEVELOPMENT_INDEX_KEY, KeyRing, use_key_ring
from rollcall_shared.outbox import OutboxRelay
from sqlalchemy import select

from tests.notifications.family import SCHOOL, change, contact, lives_with, student
from tests.support.outside import notifications_settings, running_mailbox, running_sms_gateway

pytestmark = pytest.mark.integration

UNNAMED_SCHOOL = "255901099"
RING = KeyRing([DEVELOPMENT_CONTACT_KEY], DEVELOPMENT_INDEX_KEY)
NAMED_SCHOOL_LETTER = (
    "{% block subject %}Attendance at {{ children[0].school_name.split()[0] }}{% endblock %}"
    "{% block body %}{{ children | names }} missed {{ children[0].truant_days }} days.{% endblock %}"
)
"""A district's own letter that assumes every school is named in its settings, as the sample's are."""


@dataclass
class World:
    database: Database
    settings: Settings
    mailbox: object
    sms: object
    client: httpx.AsyncClient
    district_id: str
    templates: Templates

    def sender(self, **overrides: object) -> Dispatcher:
        settings = self.settings.model_copy(update=overrides)
        relay = OutboxRelay(database=self.database, model=OutboxMessage, parked=ParkedMessage,
                            producer=None)  # events stay in the outbox  # fmt: skip
        return Dispatcher(database=self.database, relay=relay, settings=settings, templates=self.templates,
                          email=EmailSender(settings), sms=SmsGateway(settings, self.client))  # fmt: skip

    async def families(self, *families: tuple[str, dict], school_of: dict[str, str] | None = None,
                       reach: str = "message") -> None:  # fmt: skip
        """Each (student id, contact details) a family of its own, on file and crossing truancy-1 now."""
        now = datetime.now(UTC)
        await self.on_file(families, self.database)
        async with self.database.transaction() as session:
            body = DistrictSettingsBody(quiet_hours={}, print_time=time(0), outreach={"truancy-1": [reach]},
                                        schools={SCHOOL: "Lakeside Elementary"})  # fmt: skip
            await save(session, district_id=self.district_id, body=body, now=now)
            planner = Planner(default_time_zone="America/Los_Angeles", sms_from=self.settings.sms_from,
                              hold=timedelta(0))  # fmt: skip
            changes = [change(self.district_id, s, "truancy-1", school_id=(school_of or {}).get(s, SCHOOL))
                       for s, _ in families]  # fmt: skip
            await planner.apply(session, changes=changes, now=now)

    async def on_file(self, families: tuple[tuple[str, dict], ...], database: Database) -> None:
        async with database.transaction() as session:
            await refresh(session, district_id=self.district_id, now=datetime.now(UTC), documents={
                "students": [student(s, f"Kid{s}", "Family") for s, _ in families],
                "contacts": [contact(f"9{s}", "Parent", "Family", **details) for s, details in families],
                "studentContactAssociations": [lives_with(s, f"9{s}") for s, _ in families],
            })  # fmt: skip

    async def unreadable(self, *families: tuple[str, dict]) -> None:
        """The families' details written again under a key the service does not hold (say, one rotated out)."""
        database = Database(self.settings.database_url)
        use_key_ring(database.engine, KeyRing([Fernet.generate_key().decode()], DEVELOPMENT_INDEX_KEY))
        try:
            await self.on_file(families, database)
        finally:
            await database.dispose()

    async def items(self) -> dict[str, OutreachItem]:
        """The district's items by student."""
        async with self.database.transaction() as session:
            found = await session.scalars(select(OutreachItem).where(OutreachItem.district_id == self.district_id))
            return {item.student_id: item for item in found}


@pytest.fixture(scope="module")
def database_url(databases) -> str:
    return databases.create(f"nd_{uuid.uuid4().hex[:6]}", migrate="notifications")


@pytest.fixture(scope="module")
async def templates() -> AsyncIterator[Templates]:
    async with TemplateWorkers(workers=1, seconds=10, memory_mb=256) as workers:
        yield Templates(workers, max_characters=Settings().max_characters())


@pytest.fixture
async def world(database_url, district_id, tmp_path, templates) -> AsyncIterator[World]:
    with running_mailbox(tmp_path / "mail") as mailbox, running_sms_gateway(tmp_path / "sms") as sms:
        settings = notifications_settings(mailbox=mailbox, sms_gateway=sms, database_url=database_url,
                                          public_url="http://127.0.0.1:9")  # fmt: skip
        database = Database(database_url)
        use_key_ring(database.engine, RING)
        async with httpx.AsyncClient() as client:
            yield World(database, settings, mailbox, sms, client, district_id, templates)
        await database.dispose()


async def test_a_sender_whose_claim_was_taken_over_sends_nothing(world):
    await world.families(("810001", {"mobile": "(415) 555-2001"}))
    first, second = world.sender(), world.sender()
    async with world.database.transaction() as session:  # the first claims, then stalls before calling
        [stalled] = (await claim_due(session, sender_id=first.sender_id, settings=first.settings,
                                     templates=first.templates, now=datetime.now(UTC), limit=5)).sends  # fmt: skip

    later = datetime.now(UTC) + timedelta(seconds=world.settings.in_doubt_seconds + 1)
    await second.tick(later)  # past the window: never called, so back in the queue, and the second sends it
    await second.settled()
    await first.call(stalled)

    [text] = world.sms.messages()
    item = (await world.items())["810001"]
    assert item.status == "sent" and item.provider_id == text["sid"] and item.attempts == 1
    assert world.sms.replays() == 0, "the first sender never called the provider"


async def test_a_stopped_senders_calls_are_taken_back_only_after_the_window_and_nothing_arrives_twice(world):
    await world.families(("820001", {"mobile": "(415) 555-2101"}), ("820002", {"email": "ada@families.example"}),
                         ("820003", {"email": "ben@families.example"}))  # fmt: skip
    stopped, other = world.sender(), world.sender()
    async with world.database.transaction() as session:
        sends = (await claim_due(session, sender_id=stopped.sender_id, settings=stopped.settings,
                                 templates=stopped.templates, now=datetime.now(UTC), limit=5)).sends  # fmt: skip
    by_student = {send.to: send for send in sends}
    for send in (by_student["+14155552101"], by_student["ada@families.example"]):  # called, then the process died
        async with world.database.transaction() as session:
            assert await repository.begin_call(session, outreach_id=send.outreach_id, sender_id=stopped.sender_id,
                                               now=datetime.now(UTC))  # fmt: skip
        await call_provider(send, email=stopped.email, sms=stopped.sms, settings=stopped.settings, deadline=1e12)

    now = datetime.now(UTC)
    await other.tick(now + timedelta(seconds=world.settings.in_doubt_seconds / 2))  # a call may still be under way
    await other.settled()
    untouched = await world.items()
    await other.tick(now + timedelta(seconds=world.settings.in_doubt_seconds + 1))
    await other.settled()
    await other.tick(now + timedelta(seconds=world.settings.in_doubt_seconds + 1))  # the one released goes now
    await other.settled()

    items = await world.items()
    assert {student: item.status for student, item in untouched.items()} == dict.fromkeys(untouched, "scheduled")
    assert items["820001"].status == "sent" and world.sms.replays() == 1 and len(world.sms.messages()) == 1
    assert items["820002"].status == "failed" and items["820002"].reason == INTERRUPTED
    assert items["820003"].status == "sent", "never called: it went out as usual"
    assert sorted(mail["To"] for mail in world.mailbox.messages()) == ["ada@families.example", "ben@families.example"]


async def test_a_family_whose_details_no_key_reads_fails_alone_and_the_others_are_reached(world):
    unreadable = ("830001", {"mobile": "(415) 555-2201"})
    await world.families(unreadable, ("830002", {"mobile": "(415) 555-2202"}),
                         ("830003", {"email": "cy@families.example"}))  # fmt: skip
    await world.unreadable(unreadable)
    sender = world.sender()

    while await sender.tick(datetime.now(UTC)):
        await sender.settled()

    items = await world.items()
    assert items["830001"].status == "failed" and items["830001"].reason == UNREADABLE_CONTACT
    assert items["830002"].status == "sent" and items["830003"].status == "sent"
    assert [text["to"] for text in world.sms.messages()] == ["+14155552202"]


async def test_letters_print_a_claim_at_a_time_and_a_bad_letter_fails_alone(world):
    good = [(f"84000{n}", {"street": f"{n} Elm Street"}) for n in range(1, 4)]
    await world.families(*good, ("840009", {"street": "9 Elm Street"}), reach="letter",
                         school_of={"840009": UNNAMED_SCHOOL})  # fmt: skip
    unreadable = ("840008", {"street": "8 Elm Street"})
    await world.families(unreadable, reach="letter")
    await world.unreadable(unreadable)
    async with world.database.transaction() as session:
        await districts.save_template(session, world.district_id, "truancy-1", "letter", "en", NAMED_SCHOOL_LETTER,
                                      datetime.now(UTC))  # fmt: skip
    sender = world.sender(dispatch_claim_size=1)

    rounds = 0
    while await sender.tick(datetime.now(UTC)):
        rounds += 1

    items = await world.items()
    async with world.database.transaction() as session:
        [batch] = await letters.batches(session, district_id=world.district_id, school_id=None, print_date=None,
                                        limit=10)  # fmt: skip
    assert rounds >= 5, "one letter a claim"
    assert (batch.school_id, batch.letters, batch.closed_at is not None) == (SCHOOL, 3, True)
    assert {student: items[student].status for student, _ in good} == dict.fromkeys(dict(good), "sent")
    assert items["840009"].status == "failed" and items["840009"].reason.startswith(f"{TEMPLATE_FAILED}line 1: ")
    assert "split" in items["840009"].reason and "Family" not in items["840009"].reason
    assert items["840008"].status == "failed" and items["840008"].reason == UNREADABLE_CONTACT


async def test_a_template_error_quoting_the_family_keeps_their_words_out_of_the_reason(templates):
    content = sample_content("truancy-1", "en")
    source = "{% block body %}\n{{ {'x': 1}[children[0].first_name ~ ' ' ~ recipient.name] }}{% endblock %}"
    with pytest.raises(Exception) as error:
        await templates.render(content=content, channel="sms", source=source)

    reason = template_failed(error.value, content).reason

    assert "Ana" in str(error.value) and "Carmen" in str(error.value)
    assert reason.startswith(f"{TEMPLATE_FAILED}line 2: ") and "[...]" in reason
    assert [word for word in ("Ana", "Carmen", "Sample") if word in reason] == []
