"""Upgrading a database that holds plaintext notes and groups encrypts them; downgrading makes them plain again.

Plans `0007`, eligibility `0007` and ingest `0007` on migrated Postgres databases: rows are stored as the
previous revision stored them, the upgrade runs with the service's keys in the environment (as the migrate init
container does), the service's own code reads the values back, and the downgrade gives the same rows again.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import JSON, Date, DateTime, column, create_engine, insert, select, table
from sqlalchemy.engine import make_url

from eligibility.reports.repository import profiles
from ingest.current import content_hash
from ingest.groups.repository import lock_students
from plans.cases import repository as cases
from plans.plan import repository as plan
from plans.plan.models import PlanAcknowledgement, PlanMeeting, PlanNote
from rollcall_shared.db import Database
from rollcall_shared.encryption import KeyRing, use_key_ring
from rollcall_shared.events import GroupPeriod
from rollcall_shared.migrations import alembic_config, upgrade
from tests.support.stored import plaintext_in, stored_bytes, stored_case_bytes

pytestmark = pytest.mark.integration

KEY = Fernet.generate_key().decode()
NOW = datetime(2021, 10, 4, 15, 30, tzinfo=UTC)
TYPES = {"detail": JSON(), "family_members": JSON(), "staff_ids": JSON(), "groups": JSON(), "document": JSON(),
         "held_on": Date(), "acknowledged_on": Date(), "opened_at": DateTime(timezone=True),
         "updated_at": DateTime(timezone=True), "recorded_at": DateTime(timezone=True),
         "at": DateTime(timezone=True)}  # fmt: skip


def sql(url: str) -> Any:
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"))


def insert_rows(url: str, name: str, rows: list[dict[str, Any]]) -> None:
    """Rows as the previous revision stored them: plain text and JSON."""
    engine = sql(url)
    with engine.begin() as connection:
        connection.execute(insert(table(name, *(column(key, TYPES.get(key)) for key in rows[0]))), rows)
    engine.dispose()


def read_rows(url: str, name: str, *names: str) -> list[dict[str, Any]]:
    """The rows as stored, in the order of `names`' first."""
    engine = sql(url)
    with engine.connect() as connection:
        query = select(table(name, *(column(key, TYPES.get(key)) for key in names))).order_by(column(names[0]))
        rows = [dict(row) for row in connection.execute(query).mappings()]
    engine.dispose()
    return rows


async def migrated(service: str, url: str, revision: str, monkeypatch) -> None:
    """The service's migrations to `revision`, up or down, with its keys in the environment."""
    monkeypatch.setenv(f"{service.upper()}_CONTACT_KEYS", KEY)
    if revision == "head":
        upgrade(service, url)
    else:
        await asyncio.to_thread(command.downgrade, alembic_config(service, url), revision)


async def read_back(url: str, reading: Any) -> Any:
    """What the service's code reads, on an engine with the service's ring."""
    database = Database(url)
    use_key_ring(database.engine, KeyRing([KEY]))
    try:
        async with database.transaction() as session:
            return await reading(session)
    finally:
        await database.dispose()


CASE = "c-0001"
PLAN_ROWS = {
    "intervention_case": [{"case_id": CASE, "student_id": "700001", "school_id": "255901001", "school_year": 2022,
                           "kind": "success-plan", "tier": 2, "status": "closed", "acted_on": True, "opened_at": NOW,
                           "updated_at": NOW}],
    "case_entry": [{"entry_id": 1, "case_id": CASE, "at": NOW, "actor": "s-ana", "what": "case.closed",
                    "detail": {"change": "closed: left-district", "why": "Moved in with Marisol's sister in Fresno"}}],
    "plan_note": [{"note_id": 1, "case_id": CASE, "text": "Ana's mother lost her job at the cannery",
                   "recorded_by": "s-ana", "recorded_at": NOW}],
    "plan_meeting": [{"meeting_id": 1, "case_id": CASE, "held_on": date(2021, 10, 4), "staff_ids": ["s-ana"],
                      "family_members": ["Marisol Reyes"], "family_attended": True, "notes": "Asked for a bus pass",
                      "recorded_by": "s-ana", "recorded_at": NOW}],
    "plan_acknowledgement": [{"acknowledgement_id": 1, "case_id": CASE, "acknowledged_on": date(2021, 10, 4),
                              "acknowledged_by": "Marisol Reyes, mother", "how": "signed", "recorded_by": "s-ana",
                              "recorded_at": NOW}],
}  # fmt: skip
PLAN_WRITTEN = ("Fresno", "lost her job", "Marisol", "bus pass")


async def test_plans_0007_encrypts_notes_meetings_acknowledgements_and_timelines_and_its_downgrade_decrypts(
    databases, district_id, monkeypatch
):
    url = databases.create(f"plans_0007_{uuid.uuid4().hex[:6]}")
    upgrade("plans", url, "0006")
    for name, rows in PLAN_ROWS.items():
        insert_rows(url, name, [row | {"district_id": district_id} if name == "intervention_case" else row
                                for row in rows])  # fmt: skip

    await migrated("plans", url, "head", monkeypatch)
    at_rest = stored_case_bytes(url, district_id, *(name for name in PLAN_ROWS if name != "intervention_case"))

    async def reading(session) -> dict[str, Any]:
        return {
            "timeline": [entry.detail for entry in await cases.timeline(session, CASE)],
            "notes": [row.text for row in await plan.rows(session, PlanNote, CASE)],
            "meetings": [(row.family_members, row.notes) for row in await plan.rows(session, PlanMeeting, CASE)],
            "acknowledgements": [row.acknowledged_by for row in await plan.rows(session, PlanAcknowledgement, CASE)],
        }

    read = await read_back(url, reading)
    await migrated("plans", url, "0006", monkeypatch)

    assert at_rest.count(CASE.encode()) == 4 and plaintext_in(at_rest, *PLAN_WRITTEN) == []
    assert read == {
        "timeline": [PLAN_ROWS["case_entry"][0]["detail"]],
        "notes": [PLAN_ROWS["plan_note"][0]["text"]],
        "meetings": [(["Marisol Reyes"], "Asked for a bus pass")],
        "acknowledgements": ["Marisol Reyes, mother"],
    }
    for name, rows in PLAN_ROWS.items():
        assert read_rows(url, name, *rows[0]) == rows, f"{name} as it was before the upgrade"


GROUP_ROWS = [
    {"student_id": "700001", "sex": "Female", "race_ethnicity": "Hispanic or Latino",
     "groups": [{"group": "homeless", "beginDate": "2021-08-23", "endDate": None}], "updated_at": NOW},
    {"student_id": "700002", "sex": None, "race_ethnicity": None, "groups": [], "updated_at": NOW},
]  # fmt: skip


async def test_eligibility_0007_encrypts_the_students_groups_as_one_profile_and_its_downgrade_splits_them_again(
    databases, district_id, monkeypatch
):
    url = databases.create(f"eligibility_0007_{uuid.uuid4().hex[:6]}")
    upgrade("eligibility", url, "0006")
    insert_rows(url, "student_groups", [row | {"district_id": district_id} for row in GROUP_ROWS])

    await migrated("eligibility", url, "head", monkeypatch)
    at_rest = stored_bytes(url, district_id, "student_groups")
    read = await read_back(url, lambda session: profiles(session, district_id, ["700001", "700002"]))
    await migrated("eligibility", url, "0006", monkeypatch)

    assert at_rest.count(district_id.encode()) == 2
    assert plaintext_in(at_rest, "Female", "Hispanic", "homeless", "2021-08-23") == []
    assert {student: (p.sex, p.race_ethnicity, p.periods) for student, p in read.items()} == {
        "700001": ("Female", "Hispanic or Latino", (GroupPeriod(group="homeless", begin_date=date(2021, 8, 23)),)),
        "700002": (None, None, ()),
    }
    assert read_rows(url, "student_groups", *GROUP_ROWS[0]) == GROUP_ROWS


def association(organization: str, sex: str) -> dict[str, Any]:
    return {"studentReference": {"studentUniqueId": "700001"}, "sexDescriptor": sex,
            "educationOrganizationReference": {"educationOrganizationId": organization}}  # fmt: skip


HOMELESS = {"studentReference": {"studentUniqueId": "700002"}, "beginDate": "2021-10-04",
            "programReference": {"programName": "McKinney-Vento", "programTypeDescriptor": "Homeless"}}  # fmt: skip
DOCUMENT_ROWS = [
    {"student_id": "700001", "resource": "StudentEducationOrganizationAssociation", "resource_id": "255901",
     "document": association("255901", "Female")},
    {"student_id": "700001", "resource": "StudentEducationOrganizationAssociation", "resource_id": "255901001",
     "document": association("255901001", "Female")},
    {"student_id": "700002", "resource": "StudentHomelessProgramAssociation",
     "resource_id": "255901/255901/Homeless/2021-10-04/McKinney-Vento", "document": HOMELESS},
]  # fmt: skip
"""700002's documents were written without its `grouped_student` row (the upgrade makes it)."""


async def test_ingest_0007_moves_group_documents_into_one_token_per_student_and_its_downgrade_moves_them_back(
    databases, district_id, monkeypatch
):
    url = databases.create(f"ingest_0007_{uuid.uuid4().hex[:6]}")
    upgrade("ingest", url, "0006")
    rows = [row | {"district_id": district_id, "content_hash": content_hash(row["document"]), "recorded_at": NOW}
            for row in DOCUMENT_ROWS]  # fmt: skip
    insert_rows(url, "group_document", rows)
    insert_rows(url, "grouped_student", [{"district_id": district_id, "student_id": "700001"}])

    await migrated("ingest", url, "head", monkeypatch)
    at_rest = stored_bytes(url, district_id, "grouped_student")
    read = await read_back(url, lambda session: lock_students(
        session, district_id=district_id, student_ids={"700001", "700002"}))  # fmt: skip
    await migrated("ingest", url, "0006", monkeypatch)

    assert at_rest.count(district_id.encode()) == 2
    assert plaintext_in(at_rest, "Female", "Homeless", "McKinney", "255901001", "2021-10-04") == []
    assert {student: sorted((held["resource"], held["resourceId"], held["document"]) for held in documents.values())
            for student, documents in read.items()} == {
        student: sorted((row["resource"], row["resource_id"], row["document"]) for row in DOCUMENT_ROWS
                        if row["student_id"] == student)
        for student in ("700001", "700002")
    }  # fmt: skip
    restored = read_rows(url, "group_document", "resource_id", "district_id", "student_id", "resource", "document",
                         "content_hash", "recorded_at")  # fmt: skip
    assert restored == sorted(rows, key=lambda row: row["resource_id"])
