"""Ed-Fi XML students, contacts and associations read into the API's JSON shape (no I/O)."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.conftest import GRAND_BEND
from tests.ingest.test_interchange_reader import read

DESCRIPTOR = "uri://ed-fi.org/{}Descriptor#{}"


def grand_bend(name: str) -> list[tuple[str, dict]]:
    records, _ = read((Path(GRAND_BEND) / name).read_bytes(), 65536)
    return records


def interchange(element: str) -> bytes:
    return f'<InterchangeContact xmlns="http://ed-fi.org/5.2.0">{element}</InterchangeContact>'.encode()


def test_grand_bend_contact_reads_as_an_ed_fi_api_contact():
    carmen = next(record for resource, record in grand_bend("Contact.xml") if resource == "contacts")

    assert carmen == {
        "contactUniqueId": "778393",
        "personalTitlePrefix": "Ms",
        "firstName": "Carmen",
        "lastSurname": "Dyer",
        "preferredFirstName": "Daniels",
        "preferredLastSurname": "Wilson",
        "personalIdentificationDocuments": [{
            "personalInformationVerificationDescriptor":
                DESCRIPTOR.format("PersonalInformationVerification", "Drivers license"),
            "identificationDocumentUseDescriptor":
                DESCRIPTOR.format("IdentificationDocumentUse", "Personal Information Verification"),
        }],
        "sexDescriptor": DESCRIPTOR.format("Sex", "Female"),
        "addresses": [{
            "streetNumberName": "263 New Street",
            "city": "Grand Bend",
            "stateAbbreviationDescriptor": DESCRIPTOR.format("StateAbbreviation", "TX"),
            "postalCode": "78834",
            "nameOfCounty": "WILLISTON",
            "periods": [{"beginDate": "2001-04-20"}],
            "addressTypeDescriptor": DESCRIPTOR.format("AddressType", "Home"),
        }],
        "telephones": [{
            "telephoneNumber": "(950) 342 7522",
            "telephoneNumberTypeDescriptor": DESCRIPTOR.format("TelephoneNumberType", "Other"),
            "orderOfPriority": 1,
        }],
        "highestCompletedLevelOfEducationDescriptor":
            DESCRIPTOR.format("LevelOfEducation", "Some College No Degree"),
    }


def test_grand_bend_association_has_booleans_and_resolved_references():
    links = [record for resource, record in grand_bend("Contact.xml") if resource == "studentContactAssociations"]

    assert links[0] == {
        "studentReference": {"studentUniqueId": "604821"},
        "contactReference": {"contactUniqueId": "778393"},
        "relationDescriptor": DESCRIPTOR.format("Relation", "Mother"),
        "primaryContactStatus": True,
        "livesWith": True,
        "emergencyContactStatus": True,
    }


def test_grand_bend_students_have_their_name_and_birth_data_on_the_resource():
    students = {record["studentUniqueId"]: record for _, record in grand_bend("Student.xml")}

    assert students["604821"] == {
        "studentUniqueId": "604821", "personalTitlePrefix": "Mr", "firstName": "Tyrone",
        "lastSurname": "Dyer", "preferredFirstName": "Ty", "preferredLastSurname": "Dye",
        "birthDate": "2014-11-13",
    }
    assert students["605464"]["birthSexDescriptor"] == DESCRIPTOR.format("Sex", "Male")
    visa = DESCRIPTOR.format("Visa", "F1 - Foreign Student Visa")
    assert students["605464"]["visas"] == [{"visaDescriptor": visa}]
    assert students["604950"]["personReference"] == {
        "personId": "604950", "sourceSystemDescriptor": DESCRIPTOR.format("SourceSystem", "District"),
    }


def test_contact_languages_emails_and_phones_are_lists_with_typed_values():
    element = """<Contact><ContactUniqueId>9</ContactUniqueId>
      <Name><FirstName>Ana</FirstName><MiddleName>Luz</MiddleName><LastSurname>Ruiz</LastSurname></Name>
      <Telephone><TelephoneNumber>555 0100</TelephoneNumber><TelephoneNumberType>Mobile</TelephoneNumberType>
        <OrderOfPriority>2</OrderOfPriority><TextMessageCapabilityIndicator>1</TextMessageCapabilityIndicator>
      </Telephone>
      <ElectronicMail><ElectronicMailAddress>ana@example.org</ElectronicMailAddress>
        <ElectronicMailType>Home/Personal</ElectronicMailType>
        <PrimaryEmailAddressIndicator>false</PrimaryEmailAddressIndicator></ElectronicMail>
      <Language><Language>spa</Language><LanguageUse>Home language</LanguageUse>
        <LanguageUse>Spoken language</LanguageUse></Language>
      <Address><ApartmentRoomSuiteNumber>4B</ApartmentRoomSuiteNumber><City> </City></Address>
    </Contact>"""

    [(_, contact)] = read(interchange(element))[0]

    assert contact == {
        "contactUniqueId": "9", "firstName": "Ana", "middleName": "Luz", "lastSurname": "Ruiz",
        "telephones": [{"telephoneNumber": "555 0100", "telephoneNumberTypeDescriptor": "Mobile",
                        "orderOfPriority": 2, "textMessageCapabilityIndicator": True}],
        "electronicMails": [{"electronicMailAddress": "ana@example.org",
                             "electronicMailTypeDescriptor": "Home/Personal",
                             "primaryEmailAddressIndicator": False}],
        "languages": [{"languageDescriptor": "spa", "uses": [
            {"languageUseDescriptor": "Home language"}, {"languageUseDescriptor": "Spoken language"},
        ]}],
        "addresses": [{"apartmentRoomSuiteNumber": "4B"}],
    }


def test_association_priority_and_restrictions_read_as_the_api_has_them():
    element = """<StudentContactAssociation>
      <StudentReference><StudentIdentity><StudentUniqueId>1</StudentUniqueId></StudentIdentity>
      </StudentReference>
      <ContactReference><ContactIdentity><ContactUniqueId>9</ContactUniqueId></ContactIdentity>
      </ContactReference>
      <ContactPriority>3</ContactPriority><ContactRestrictions>No pick-up</ContactRestrictions>
      <LegalGuardian>false</LegalGuardian><LivesWith>maybe</LivesWith>
    </StudentContactAssociation>"""

    [(_, link)] = read(interchange(element))[0]

    assert link == {
        "studentReference": {"studentUniqueId": "1"}, "contactReference": {"contactUniqueId": "9"},
        "contactPriority": 3, "contactRestrictions": "No pick-up", "legalGuardian": False,
        "livesWith": "maybe",
    }


def test_elements_the_tables_do_not_know_keep_their_camel_case_names():
    element = """<Student><StudentUniqueId>1</StudentUniqueId><LoginId>ty1</LoginId>
      <Note><Text>a</Text></Note><Note><Text>b</Text></Note></Student>"""

    [(_, student)] = read(interchange(element))[0]

    assert student == {"studentUniqueId": "1", "loginId": "ty1", "note": [{"text": "a"}, {"text": "b"}]}
