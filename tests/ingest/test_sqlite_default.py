"""The laptop default: the same records and duplicates on SQLite as on Postgres."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from rollcall_shared.db import Database
from rollcall_shared.encryption import use_key_ring
from rollcall_shared.migrations import upgrade

from ingest.base import OutboxMessage
from ingest.calendar.service import close_school_day
from ingest.intake.service import Intake
from ingest.settings import Settings
from tests.ingest.builders import calendar_date, daily, enrollment


async def test_sqlite_database_keeps_current_records_and_counts_duplicates(tmp_path):
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    upgrade("ingest", url)
    database = Database(url)
    use_key_ring(database.engine, Settings().contact_key_ring())  # as the service does when it starts
    batches = [
        ("studentSchoolAssociations", [enrollment("1", "255901001", "2021-08-23")]),
        ("calendarDates", [calendar_date("255901001", "2021-09-01")]),
        ("studentSchoolAttendanceEvents", [daily("1", "2021-09-01"), daily("1", "2021-09-01", "Tardy")]),
        ("studentSchoolAttendanceEvents", [daily("1", "2021-09-01", "Tardy")]),
        ("students", [{"studentUniqueId": "1", "firstName": "Ty"}]),
    ]
    answers = []
    try:
        for resource, records in batches:
            async with database.transaction() as session:
                intake = Intake(session, district_id="d1", batch_size=100)
                for record in records:
                    await intake.add(resource, record)
                await intake.flush()
                answers.append((intake.answer().accepted, intake.answer().duplicates))
        async with database.transaction() as session:
            closed = await close_school_day(
                session, district_id="d1", school_id="255901001", day=date(2021, 9, 1), now=datetime.now(UTC)
            )
            outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
    finally:
        await database.dispose()

    assert answers == [(1, 0), (1, 0), (2, 0), (0, 1), (1, 0)]
    assert closed and outbox == 6
