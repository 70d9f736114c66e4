"""What outreach reads from Ed-Fi contact documents: name, language, home address, email, a number for texts."""

from __future__ import annotations

from notifications.roster.documents import guardian_row, link_row

PHONE = "uri://ed-fi.org/TelephoneNumberTypeDescriptor#"


def test_a_spanish_speaking_guardian_gets_the_home_address_the_primary_email_and_a_texting_number() -> None:
    document = {
        "contactUniqueId": "778393",
        "firstName": "Carmen",
        "lastSurname": "Dyer",
        "languages": [
            {"languageDescriptor": "uri://ed-fi.org/LanguageDescriptor#eng", "uses": []},
            {"languageDescriptor": "uri://ed-fi.org/LanguageDescriptor#spa",
             "uses": [{"languageUseDescriptor": "uri://ed-fi.org/LanguageUseDescriptor#Home language"}]},
        ],
        "addresses": [
            {"addressTypeDescriptor": "uri://ed-fi.org/AddressTypeDescriptor#Work", "streetNumberName": "1 Office Park",
             "city": "Austin", "stateAbbreviationDescriptor": "uri://ed-fi.org/StateAbbreviationDescriptor#TX",
             "postalCode": "78701"},
            {"addressTypeDescriptor": "uri://ed-fi.org/AddressTypeDescriptor#Home", "streetNumberName": "263 New Street",
             "apartmentRoomSuiteNumber": "Apt 4", "city": "Grand Bend",
             "stateAbbreviationDescriptor": "uri://ed-fi.org/StateAbbreviationDescriptor#TX", "postalCode": "78834"},
        ],
        "electronicMails": [
            {"electronicMailAddress": "carmen@work.example", "electronicMailTypeDescriptor": "uri://ed-fi.org/ElectronicMailTypeDescriptor#Work"},
            {"electronicMailAddress": "carmen@home.example", "primaryEmailAddressIndicator": True,
             "electronicMailTypeDescriptor": "uri://ed-fi.org/ElectronicMailTypeDescriptor#Home/Personal"},
        ],
        "telephones": [
            {"telephoneNumber": "(213) 555-0142", "telephoneNumberTypeDescriptor": PHONE + "Home", "orderOfPriority": 1},
            {"telephoneNumber": "(213) 555-0199", "telephoneNumberTypeDescriptor": PHONE + "Mobile",
             "orderOfPriority": 2, "textMessageCapabilityIndicator": True},
        ],
    }  # fmt: skip

    row = guardian_row(document)

    assert row == {
        "contact_id": "778393",
        "first_name": "Carmen",
        "last_name": "Dyer",
        "language": "es",
        "address": "263 New Street Apt 4\nGrand Bend, TX 78834",
        "email": "carmen@home.example",
        "mobile": "+12135550199",
    }


def test_a_mobile_that_cannot_take_texts_and_an_unusable_number_give_no_texting_number() -> None:
    document = {
        "contactUniqueId": "1",
        "telephones": [
            {"telephoneNumber": "(213) 555-0143", "telephoneNumberTypeDescriptor": PHONE + "Mobile",
             "textMessageCapabilityIndicator": False},
            {"telephoneNumber": "(950) 342 7522", "telephoneNumberTypeDescriptor": PHONE + "Mobile"},
        ],
    }  # fmt: skip

    assert guardian_row(document)["mobile"] is None
    assert guardian_row(document)["language"] is None and guardian_row(document)["address"] is None


def test_an_association_says_who_lives_with_the_student_and_who_is_the_primary_contact() -> None:
    document = {
        "studentReference": {"studentUniqueId": "604821"},
        "contactReference": {"contactUniqueId": "778393"},
        "relationDescriptor": "uri://ed-fi.org/RelationDescriptor#Mother",
        "primaryContactStatus": True,
        "livesWith": True,
        "contactPriority": 2,
    }

    assert link_row(document) == {
        "student_id": "604821", "contact_id": "778393", "relation": "Mother",
        "primary_contact": True, "lives_with": True, "priority": 2,
    }  # fmt: skip
