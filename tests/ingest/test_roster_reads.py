"""Roster documents read back by Rollcall services, by student and contact id, one district at a time."""

from __future__ import annotations

import uuid

import pytest

from tests.ingest.builders import path
from tests.ingest.test_interchanges import load
from tests.support.auth import ROSTER_READER
from tests.support.stored import plaintext_in, stored_bytes

pytestmark = pytest.mark.integration

DESCRIPTOR = "uri://ed-fi.org/{}Descriptor#{}"
CARMEN = {
    "contactUniqueId": "778393",
    "personalTitlePrefix": "Ms",
    "firstName": "Carmen",
    "lastSurname": "Dyer",
    "preferredFirstName": "Daniels",
    "preferredLastSurname": "Wilson",
    "sexDescriptor": DESCRIPTOR.format("Sex", "Female"),
    "highestCompletedLevelOfEducationDescriptor":
        DESCRIPTOR.format("LevelOfEducation", "Some College No Degree"),
    "personalIdentificationDocuments": [{
        "identificationDocumentUseDescriptor":
            DESCRIPTOR.format("IdentificationDocumentUse", "Personal Information Verification"),
        "personalInformationVerificationDescriptor":
            DESCRIPTOR.format("PersonalInformationVerification", "Drivers license"),
    }],
    "addresses": [{
        "addressTypeDescriptor": DESCRIPTOR.format("AddressType", "Home"),
        "streetNumberName": "263 New Street",
        "city": "Grand Bend",
        "stateAbbreviationDescriptor": DESCRIPTOR.format("StateAbbreviation", "TX"),
        "postalCode": "78834",
        "nameOfCounty": "WILLISTON",
        "periods": [{"beginDate": "2001-04-20"}],
    }],
    "telephones": [{
        "telephoneNumber": "(950) 342 7522",
        "telephoneNumberTypeDescriptor": DESCRIPTOR.format("TelephoneNumberType", "Other"),
        "orderOfPriority": 1,
    }],
}
"""Contact 778393 of Contact.xml, as a SIS would POST it to the Ed-Fi API."""


async def roster(ingest, district_id: str, **ids: list[str]) -> dict:
    params = [(name, value) for name, values in ids.items() for value in values]
    answer = await ingest.client.get(f"/v1/districts/{district_id}/roster", params=params, auth=ROSTER_READER)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def load_grand_bend_roster(ingest, district_id: str) -> None:
    await load(ingest, district_id, "Student.xml")
    await load(ingest, district_id, "Contact.xml")


async def test_grand_bend_student_reads_with_its_contacts_in_the_ed_fi_api_shape(ingest, district_id):
    await load_grand_bend_roster(ingest, district_id)

    family = await roster(ingest, district_id, studentId=["604821"])
    contacts = await roster(ingest, district_id, contactId=["778393", "779017"])

    [student] = family["students"]
    assert (student["studentUniqueId"], student["firstName"], student["birthDate"]) == (
        "604821", "Tyrone", "2014-11-13"
    )
    assert family["contacts"] == []
    links = {
        link["contactReference"]["contactUniqueId"]: link for link in family["studentContactAssociations"]
    }
    assert set(links) == {"778393", "779017"}
    assert links["778393"] == {
        "studentReference": {"studentUniqueId": "604821"},
        "contactReference": {"contactUniqueId": "778393"},
        "relationDescriptor": DESCRIPTOR.format("Relation", "Mother"),
        "primaryContactStatus": True,
        "livesWith": True,
        "emergencyContactStatus": True,
    }
    assert (links["779017"]["primaryContactStatus"], links["779017"]["livesWith"]) == (False, True)
    carmen = next(c for c in contacts["contacts"] if c["contactUniqueId"] == "778393")
    assert carmen == CARMEN
    assert contacts["students"] == []


async def test_contact_reads_with_every_association_of_it(ingest, district_id):
    await load_grand_bend_roster(ingest, district_id)

    both = await roster(ingest, district_id, studentId=["604821"], contactId=["778393"])
    by_contact = await roster(ingest, district_id, contactId=["778393"])

    assert [c["contactUniqueId"] for c in by_contact["contacts"]] == ["778393"]
    students = {link["studentReference"]["studentUniqueId"] for link in by_contact["studentContactAssociations"]}
    assert students == {"604821"}
    assert len(both["studentContactAssociations"]) == 2


async def test_a_posted_contact_reads_the_same_as_the_contact_from_xml(ingest, district_id):
    from_xml = f"{district_id}-xml"
    posted = await ingest.post(path(district_id, "contacts"), CARMEN)
    await load(ingest, from_xml, "Contact.xml")

    as_posted = await roster(ingest, district_id, contactId=["778393"])
    as_loaded = await roster(ingest, from_xml, contactId=["778393"])
    reloaded = await load(ingest, district_id, "Contact.xml")

    assert posted.json()["accepted"] == 1
    assert as_posted["contacts"] == as_loaded["contacts"] == [CARMEN]
    assert reloaded["resources"]["contacts"] == {"accepted": 1872, "duplicates": 1, "rejected": 0}


async def test_a_district_reads_only_its_own_roster(ingest, district_id):
    other = f"test-{uuid.uuid4().hex[:10]}"
    await load_grand_bend_roster(ingest, other)
    await ingest.post(path(district_id, "students"), {"studentUniqueId": "604821", "firstName": "Sam"})

    mine = await roster(ingest, district_id, studentId=["604821"], contactId=["778393"])
    theirs = await roster(ingest, other, studentId=["604821"], contactId=["778393"])

    assert mine == {
        "students": [{"studentUniqueId": "604821", "firstName": "Sam"}],
        "contacts": [],
        "studentContactAssociations": [],
    }
    assert [student["firstName"] for student in theirs["students"]] == ["Tyrone"]
    assert theirs["contacts"] == [CARMEN] and len(theirs["studentContactAssociations"]) == 2


async def test_unknown_ids_are_absent(ingest, district_id):
    await ingest.post(path(district_id, "students"), {"studentUniqueId": "1", "firstName": "Ty"})

    answer = await roster(ingest, district_id, studentId=["1", "2"], contactId=["3"])

    assert answer == {
        "students": [{"studentUniqueId": "1", "firstName": "Ty"}],
        "contacts": [],
        "studentContactAssociations": [],
    }


async def test_a_read_names_at_most_500_ids(ingest, district_id):
    url = f"/v1/districts/{district_id}/roster"
    at_limit = [("studentId", str(n)) for n in range(300)] + [("contactId", str(n)) for n in range(200)]

    allowed = await ingest.client.get(url, params=at_limit, auth=ROSTER_READER)
    refused = await ingest.client.get(url, params=[*at_limit, ("contactId", "x")], auth=ROSTER_READER)

    assert allowed.status_code == 200
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "500" in refused.json()["detail"] and refused.json()["limit"] == 500


async def test_a_contact_reads_back_as_posted_while_its_stored_row_is_ciphertext(ingest, district_id):
    student = {"studentUniqueId": "604821", "firstName": "Tyrone", "lastSurname": "Quarshie"}
    await ingest.post(path(district_id, "contacts"), CARMEN)
    await ingest.post(path(district_id, "students"), student)

    answer = await roster(ingest, district_id, studentId=["604821"], contactId=["778393"])
    stored = stored_bytes(ingest.app.state.runtime.settings.database_url, district_id, "roster_document")

    assert answer["contacts"] == [CARMEN] and answer["students"] == [student]
    assert b"778393" in stored and b"604821" in stored  # the rows are there, ids in the clear
    details = ("Carmen", "Dyer", "Wilson", "263 New Street", "Grand Bend", "342 7522", "Tyrone", "Quarshie")
    assert plaintext_in(stored, *details) == []
