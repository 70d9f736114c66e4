"""Families for outreach tests: Ed-Fi students, contacts and associations, and their crossings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

from rollcall_shared.events import DayMissed, Metrics, ThresholdChanged, deterministic_id

SCHOOL = "255901001"


def student(student_id: str, first: str, last: str) -> dict[str, Any]:
    return {"studentUniqueId": student_id, "firstName": first, "lastSurname": last, "birthDate": "2012-03-04"}


def contact(
    contact_id: str,
    first: str,
    last: str,
    *,
    mobile: str | None = None,
    email: str | None = None,
    street: str | None = "12 Elm Street",
    language: str | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {"contactUniqueId": contact_id, "firstName": first, "lastSurname": last}
    if street:
        document["addresses"] = [{
            "addressTypeDescriptor": "uri://ed-fi.org/AddressTypeDescriptor#Home", "streetNumberName": street,
            "city": "Grand Bend", "stateAbbreviationDescriptor": "uri://ed-fi.org/StateAbbreviationDescriptor#TX",
            "postalCode": "78834",
        }]  # fmt: skip
    if mobile:
        document["telephones"] = [{
            "telephoneNumber": mobile, "orderOfPriority": 1, "textMessageCapabilityIndicator": True,
            "telephoneNumberTypeDescriptor": "uri://ed-fi.org/TelephoneNumberTypeDescriptor#Mobile",
        }]  # fmt: skip
    if email:
        document["electronicMails"] = [{
            "electronicMailAddress": email, "primaryEmailAddressIndicator": True,
            "electronicMailTypeDescriptor": "uri://ed-fi.org/ElectronicMailTypeDescriptor#Home/Personal",
        }]  # fmt: skip
    if language:
        document["languages"] = [{"languageDescriptor": f"uri://ed-fi.org/LanguageDescriptor#{language}"}]
    return document


def lives_with(student_id: str, contact_id: str, *, primary: bool = True) -> dict[str, Any]:
    return {
        "studentReference": {"studentUniqueId": student_id},
        "contactReference": {"contactUniqueId": contact_id},
        "relationDescriptor": "uri://ed-fi.org/RelationDescriptor#Mother",
        "primaryContactStatus": primary,
        "livesWith": True,
    }


def change(
    district_id: str,
    student_id: str,
    rule_id: str,
    *,
    cleared: bool = False,
    ordinal: int = 1,
    truant_days: int = 3,
    school_id: str = SCHOOL,
) -> ThresholdChanged:
    kind = "threshold.cleared" if cleared else "threshold.crossed"
    days = [date(2021, 9, 7 + n) for n in range(truant_days)]
    return ThresholdChanged(
        event_id=deterministic_id(district_id, student_id, 2022, rule_id, kind, ordinal),
        type=kind,
        district_id=district_id,
        student_id=student_id,
        school_id=school_id,
        school_year=2022,
        rule_id=rule_id,
        tier=1,
        metrics=Metrics(absent_days=truant_days, truant_days=truant_days, enrolled_days=40, absence_rate=0.075),
        occurred_at=datetime.now(UTC),
        days_missed=tuple(DayMissed(date=day, category="Unexcused Absence", truant=True) for day in days),
    )


async def post_roster(sis: httpx.AsyncClient, base: str, *, students: list, contacts: list, links: list) -> None:
    """Ed-Fi students, contacts and their associations posted to ingest under `base`, every one accepted."""
    for resource, body in (("students", students), ("contacts", contacts), ("studentContactAssociations", links)):
        answer = await sis.post(f"{base}/ed-fi/{resource}", json=body)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(body), answer.text


async def household_known(notifications: httpx.AsyncClient, base: str, student_id: str) -> bool:
    """Notifications' projection has the student's household, with a guardian."""
    answer = await notifications.get(f"{base}/students/{student_id}/household")
    return answer.status_code == 200 and bool(answer.json()["guardians"])
