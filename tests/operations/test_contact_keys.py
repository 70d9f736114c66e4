"""Contact keys over a database's life: the migrations encrypt rows stored before, `rollcall keys rotate` moves them on.

Every service's personal fields: contact details (ingest, notifications), group documents and student groups
(ingest, eligibility), notes, meetings, acknowledgements and timelines (plans).

Rows are written and read by the services' own code on migrated Postgres databases, each with the
key ring a test names; the command line reads its keys from the environment, as in production.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import JSON, DateTime, column, create_engine, insert, table
from sqlalchemy.engine import make_url

from eligibility import repository as eligibility
from eligibility.reports.repository import profiles
from ingest.edfi.resources import StudentEducationOrganizationAssociation
from ingest.groups.repository import lock_students
from ingest.intake.service import Intake
from ingest.roster.service import read_roster
from notifications.outreach import repository as outreach
from notifications.roster import repository as roster
from notifications.roster.service import refresh
from plans.cases import repository as cases
from plans.cases.rules import Kind
from plans.cases.service import Caseworker
from plans.plan import service as plan
from plans.plan.schemas import NewAcknowledgement, NewMeeting, NewNote
from rollcall_dev.admin import main
from rollcall_shared.db import Database
from rollcall_shared.encryption import KeyRing, use_key_ring
from rollcall_shared.events import GroupPeriod, StudentGroupsRecorded
from rollcall_shared.migrations import upgrade
from tests.notifications.family import contact, lives_with, student
from tests.support.stored import plaintext_in, stored_bytes, stored_case_bytes

pytestmark = pytest.mark.integration

A, B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
INDEX_KEY = "index-key-of-the-test"
GUARDIAN = contact("900001", "Marisol", "Reyes", mobile="(415) 555-0101", email="marisol@example.org", language="spa")
STUDENT = student("700001", "Ana", "Reyes")
NUMBER = "+14155550101"
SENDER = "+15550100000"
"""The sending number of the settings' default, which the migrations file earlier opt-outs under."""
DETAILS = ("Marisol", "Reyes", "Ana", "12 Elm Street", "marisol@example.org", NUMBER, "555-0101")
ENCRYPTED = {
    "notifications": ("student", "guardian", "sms_opt_out", "outreach_item"),
    "ingest": ("roster_document", "grouped_student"),
    "eligibility": ("student_groups",),
    "plans": ("plan_note", "plan_meeting", "plan_acknowledgement", "case_entry"),
}
ASSOCIATION = {
    "studentReference": {"studentUniqueId": "700001"},
    "educationOrganizationReference": {"educationOrganizationId": 255901},
    "sexDescriptor": "uri://ed-fi.org/SexDescriptor#Female", "hispanicLatinoEthnicity": True,
    "studentCharacteristics": [
        {"studentCharacteristicDescriptor": "uri://ed-fi.org/StudentCharacteristicDescriptor#Homeless"}
    ],
}  # fmt: skip
"""Ingest's group document of the student: Hispanic or Latino, female, homeless."""
NOTE, MEETING = "Ana's mother Marisol lost her job; Ana cares for her brother.", "Marisol asked for a bus pass."
RECORDS = {
    "groups": ("Female", "Hispanic or Latino", (GroupPeriod(group="homeless"),)),
    "group documents": [StudentEducationOrganizationAssociation.model_validate(ASSOCIATION).model_dump(
        mode="json", by_alias=True)],
    "plan": ([NOTE], [(["Marisol Reyes"], MEETING)], ["Marisol Reyes, mother"]),
}
RECORD_DETAILS = ("Female", "Hispanic", "Homeless", "homeless", NOTE, "lost her job", MEETING, "Marisol")


@asynccontextmanager
async def opened(url: str, keys: str, index_key: str = INDEX_KEY) -> AsyncIterator[Database]:
    """A service's database with the key ring of `keys` (newest first), as the service opens it."""
    database = Database(url)
    use_key_ring(database.engine, KeyRing.parse(keys, index_key))
    try:
        yield database
    finally:
        await database.dispose()


async def rollcall(*args: str) -> int:
    """The command line, as an operator runs it: in a process (here a thread) with an event loop of its own."""
    return await asyncio.to_thread(main, list(args))


def use_keys(monkeypatch, urls: dict[str, str], keys: str, index_key: str = INDEX_KEY) -> None:
    """The environment each service (and its migrations and the command line) reads."""
    for service, url in urls.items():
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", url)
        monkeypatch.setenv(f"{service.upper()}_CONTACT_KEYS", keys)
    monkeypatch.setenv("NOTIFICATIONS_CONTACT_INDEX_KEY", index_key)


async def write_family(urls: dict[str, str], district_id: str, keys: str) -> None:
    """The family in both services, as their roster intake, projection and STOP reply write it."""
    now = datetime.now(UTC)
    async with opened(urls["notifications"], keys) as database, database.transaction() as session:
        links = [lives_with("700001", "900001")]
        documents = {"students": [STUDENT], "contacts": [GUARDIAN], "studentContactAssociations": links}
        await refresh(session, district_id=district_id, documents=documents, now=now)
        await outreach.opt_out(session, sender=SENDER, phone=NUMBER, district_id=district_id, now=now)
    async with opened(urls["ingest"], keys) as database, database.transaction() as session:
        intake = Intake(session, district_id=district_id, batch_size=10)
        await intake.add("contacts", GUARDIAN)
        await intake.add("students", STUDENT)
        await intake.flush()


async def read_family(urls: dict[str, str], district_id: str, keys: str, index_key: str = INDEX_KEY) -> dict[str, Any]:
    """What the services read back: the guardian and student, the opt-out, ingest's documents."""
    async with opened(urls["notifications"], keys, index_key) as database, database.transaction() as session:
        guardian = (await roster.guardians(session, district_id, ["900001"]))["900001"]
        pupil = (await roster.students(session, district_id, ["700001"]))["700001"]
        stopped = await outreach.opted_out(session, sender=SENDER, phone=NUMBER)
    async with opened(urls["ingest"], keys) as database, database.transaction() as session:
        documents = await read_roster(session, district_id=district_id, student_ids={"700001"}, contact_ids={"900001"})
    return {
        "guardian": (guardian.first_name, guardian.last_name, guardian.address, guardian.email, guardian.mobile),
        "student": (pupil.first_name, pupil.last_name),
        "opted out": stopped,
        "documents": (documents.contacts, documents.students),
    }


FAMILY = {
    "guardian": ("Marisol", "Reyes", "12 Elm Street\nGrand Bend, TX 78834", "marisol@example.org", NUMBER),
    "student": ("Ana", "Reyes"),
    "opted out": True,
    "documents": ([GUARDIAN], [STUDENT]),
}


async def write_records(urls: dict[str, str], district_id: str, keys: str) -> None:
    """The student's groups (ingest, eligibility) and case with its plan (plans), as the services write them."""
    now = datetime.now(UTC)
    async with opened(urls["ingest"], keys) as database, database.transaction() as session:
        intake = Intake(session, district_id=district_id, batch_size=10)
        await intake.add("studentEducationOrganizationAssociations", ASSOCIATION)
        await intake.flush()
    async with opened(urls["eligibility"], keys) as database, database.transaction() as session:
        sex, race, periods = RECORDS["groups"]
        await eligibility.save_groups(session, [StudentGroupsRecorded(
            event_id=str(uuid.uuid4()), district_id=district_id, recorded_at=now, student_id="700001", sex=sex,
            race_ethnicity=race, groups=periods,
        )])  # fmt: skip
    async with opened(urls["plans"], keys) as database, database.transaction() as session:
        case = await Caseworker(follow_up_days=14).open(
            session, district_id=district_id, student_id="700001", school_id="255901001", school_year=2022,
            kind=Kind.SUCCESS_PLAN, tier=2, rule_id=None, cause="staff", actor="s-ana", now=now, today=now.date(),
        )  # fmt: skip
        await plan.add_note(session, case=case, new=NewNote(staff_id="s-ana", text=NOTE), now=now)
        await plan.add_meeting(session, case=case, now=now, new=NewMeeting(
            staff_id="s-ana", held_on=date(2021, 10, 4), family_members=["Marisol Reyes"], family_attended=True,
            notes=MEETING,
        ))  # fmt: skip
        await plan.add_acknowledgement(session, case=case, now=now, new=NewAcknowledgement(
            staff_id="s-ana", acknowledged_on=date(2021, 10, 4), acknowledged_by="Marisol Reyes, mother", how="signed",
        ))  # fmt: skip


async def read_records(urls: dict[str, str], district_id: str, keys: str) -> dict[str, Any]:
    async with opened(urls["ingest"], keys) as database, database.transaction() as session:
        documents = (await lock_students(session, district_id=district_id, student_ids={"700001"}))["700001"]
    async with opened(urls["eligibility"], keys) as database, database.transaction() as session:
        profile = (await profiles(session, district_id, ["700001"]))["700001"]
    async with opened(urls["plans"], keys) as database, database.transaction() as session:
        case = await cases.open_case(session, district_id, "700001")
        shown = await plan.current_plan(session, case=case)
    return {
        "groups": (profile.sex, profile.race_ethnicity, profile.periods),
        "group documents": [held["document"] for held in documents.values()],
        "plan": ([note.text for note in shown.notes], [(m.family_members, m.notes) for m in shown.meetings],
                 [ack.acknowledged_by for ack in shown.acknowledgements]),
    }  # fmt: skip


def stored(urls: dict[str, str], district_id: str) -> bytes:
    return b"\n".join(
        (stored_case_bytes if service == "plans" else stored_bytes)(urls[service], district_id, *tables)
        for service, tables in ENCRYPTED.items()
    )


@pytest.fixture
def urls(databases) -> dict[str, str]:
    run = uuid.uuid4().hex[:6]
    return {service: databases.create(f"keys_{service}_{run}", migrate=service) for service in ENCRYPTED}


async def test_rotation_moves_every_row_to_the_newest_key_so_the_oldest_can_go(urls, district_id, monkeypatch, capsys):
    await write_family(urls, district_id, A)
    await write_records(urls, district_id, A)
    use_keys(monkeypatch, urls, f"{B},{A}")

    assert await rollcall("keys", "rotate", "--batch-size", "1") == 0
    rotated = stored(urls, district_id)
    assert await rollcall("keys", "rotate", "notifications") == 0

    assert "Every row is under the newest key" in capsys.readouterr().out
    assert stored(urls, district_id) == rotated, "a second rotation has nothing left to do"
    assert plaintext_in(rotated, *DETAILS, *RECORD_DETAILS) == []
    assert await read_family(urls, district_id, B) == FAMILY
    assert await read_records(urls, district_id, B) == RECORDS
    with pytest.raises(InvalidToken):
        await read_family(urls, district_id, A)
    with pytest.raises(InvalidToken):
        await read_records(urls, district_id, A)


async def test_a_new_index_key_finds_the_opt_outs_once_rotation_has_indexed_them_again(urls, district_id, monkeypatch):
    await write_family(urls, district_id, A)
    use_keys(monkeypatch, urls, A, index_key="the-next-index-key")

    before = await read_family(urls, district_id, A, index_key="the-next-index-key")
    assert await rollcall("keys", "rotate", "notifications") == 0

    assert before["opted out"] is False
    assert await read_family(urls, district_id, A, index_key="the-next-index-key") == FAMILY


async def test_rotation_leaves_a_row_no_key_can_read_and_says_so(urls, district_id, monkeypatch, capsys):
    await write_family(urls, district_id, A)
    use_keys(monkeypatch, urls, B)

    assert await rollcall("keys", "rotate", "ingest") == 1
    assert "2 row(s) hold a token no key of the ring made" in capsys.readouterr().out
    assert (await read_family(urls, district_id, A))["documents"] == FAMILY["documents"]


def insert_rows(url: str, name: str, rows: list[dict[str, Any]], **types: Any) -> None:
    """Rows as a service stored them before its contact details were encrypted."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(insert(table(name, *(column(key, types.get(key)) for key in rows[0]))), rows)
    engine.dispose()


async def test_the_migrations_encrypt_the_rows_stored_before_with_the_services_keys(
    databases, district_id, monkeypatch
):
    run, now = uuid.uuid4().hex[:6], datetime.now(UTC)
    urls = {service: databases.create(f"before_{service}_{run}") for service in ENCRYPTED}
    upgrade("notifications", urls["notifications"], "0002")
    upgrade("ingest", urls["ingest"], "0003")
    key = {"district_id": district_id}
    insert_rows(urls["notifications"], "guardian", [key | {
        "contact_id": "900001", "first_name": "Marisol", "last_name": "Reyes", "language": "es",
        "address": FAMILY["guardian"][2], "email": "marisol@example.org", "mobile": NUMBER, "updated_at": now,
    }], updated_at=DateTime(timezone=True))  # fmt: skip
    insert_rows(urls["notifications"], "student", [
        key | {"student_id": "700001", "first_name": "Ana", "last_name": "Reyes", "updated_at": now}
    ], updated_at=DateTime(timezone=True))  # fmt: skip
    insert_rows(urls["notifications"], "sms_opt_out", [key | {"phone": NUMBER, "opted_out_at": now}],
                opted_out_at=DateTime(timezone=True))  # fmt: skip
    insert_rows(urls["ingest"], "roster_document", [
        key | {"resource": resource, "resource_id": resource_id, "student_id": student_id, "contact_id": contact_id,
               "document": document, "content_hash": "0" * 32, "recorded_at": now}
        for resource, resource_id, student_id, contact_id, document in (
            ("contact", "900001", None, "900001", GUARDIAN), ("student", "700001", "700001", None, STUDENT),
        )
    ], document=JSON(), recorded_at=DateTime(timezone=True))  # fmt: skip
    use_keys(monkeypatch, urls, A)

    for service in ENCRYPTED:
        upgrade(service, urls[service])

    assert plaintext_in(stored(urls, district_id), *DETAILS) == []
    assert await read_family(urls, district_id, A) == FAMILY
