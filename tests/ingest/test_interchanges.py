"""Ed-Fi XML interchange files, streamed in: the Grand Bend sample district loads as it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from rollcall_shared import topics

from tests.ingest.conftest import GRAND_BEND

pytestmark = pytest.mark.integration


async def chunks(name: str, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    with (Path(GRAND_BEND) / name).open("rb") as file:
        while chunk := file.read(size):
            yield chunk


async def load(ingest, district_id: str, name: str) -> dict:
    answer = await ingest.post(
        f"/v1/districts/{district_id}/ed-fi/interchanges",
        content=chunks(name),
        headers={"content-type": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def counts(accepted: int, duplicates: int = 0, rejected: int = 0) -> dict[str, int]:
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


async def test_grand_bend_daily_attendance_loads_with_its_in_file_correction_in_order(ingest, district_id):
    answer = await load(ingest, district_id, "StudentSchoolAttendance.xml")

    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (1917, 0, [])
    assert answer["resources"] == {"studentSchoolAttendanceEvents": counts(1917)}
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert len(events) == 1917
    assert len({key for key, _ in events}) == 227
    corrected = [
        (event["category"], event["minutes"])
        for key, event in events
        if key == f"{district_id}:604822" and event["date"] == "2021-12-15"
    ]
    assert corrected == [("Excused Absence", None), ("Partial", 10)]


async def test_reloading_grand_bend_daily_attendance_changes_only_the_replayed_correction(ingest, district_id):
    await load(ingest, district_id, "StudentSchoolAttendance.xml")

    again = await load(ingest, district_id, "StudentSchoolAttendance.xml")

    assert (again["accepted"], again["duplicates"]) == (2, 1915)


async def test_grand_bend_section_tardies_load(ingest, district_id):
    answer = await load(ingest, district_id, "StudentSectionAttendance-Tardy.xml")

    assert answer["resources"] == {"studentSectionAttendanceEvents": counts(66)}
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert {event["category"] for _, event in events} == {"Tardy"}


async def test_grand_bend_students_load_and_person_elements_are_reported_as_ignored(ingest, district_id):
    answer = await load(ingest, district_id, "Student.xml")

    assert answer["resources"] == {"students": counts(960)}
    assert answer["ignored"] == {"Person": 3}
    assert len(await ingest.published(topics.ROSTER, district_id)) == 960


async def test_grand_bend_contacts_load_with_associations_resolved_by_reference(ingest, district_id):
    answer = await load(ingest, district_id, "Contact.xml")

    assert answer["resources"] == {"contacts": counts(1873), "studentContactAssociations": counts(1872)}
    assert answer["rejected"] == []
    events = await ingest.published(topics.ROSTER, district_id)
    first_link = next(e for _, e in events if e["resource"] == "studentContactAssociation")
    assert (first_link["studentId"], first_link["contactId"]) == ("604821", "778393")


async def test_grand_bend_calendar_loads_its_calendar_dates_and_ignores_sessions(ingest, district_id):
    answer = await load(ingest, district_id, "EducationOrgCalendar.xml")

    assert answer["resources"] == {"calendarDates": counts(2)}
    assert answer["ignored"] == {"Session": 6, "GradingPeriod": 18, "Calendar": 1}
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert [(key, e["date"], e["instructional"]) for key, e in events] == [
        (f"{district_id}@school:255901107", "2021-08-23", True),
        (f"{district_id}@school:255901107", "2021-12-17", True),
    ]
