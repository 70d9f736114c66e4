"""Ed-Fi 5 XML person elements (Student, Contact, their associations with contacts and education
organizations) in the API's JSON shape.

The XML nests what the API keeps flat (`Name`, `BirthData`), names descriptors without their
`Descriptor` suffix, and repeats an element where the API has a plural list; a few tables say
which is which, and every other element keeps its camelCase name.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

FLATTENED = {"Name", "BirthData", "Citizenship"}
"""Groups whose fields sit on the resource itself in the API (so does every `…Identity`)."""

LISTS = {
    "Address": "addresses",
    "InternationalAddress": "internationalAddresses",
    "Telephone": "telephones",
    "ElectronicMail": "electronicMails",
    "Language": "languages",
    "OtherName": "otherNames",
    "PersonalIdentificationDocument": "personalIdentificationDocuments",
    "Period": "periods",
    "StudentCharacteristic": "studentCharacteristics",
}
"""Repeatable groups, by the API's name of their list: a list even when there is one."""

DESCRIPTOR_LISTS = {"Visa": "visas", "LanguageUse": "uses", "Race": "races"}
"""Repeatable descriptors: each becomes `{"visaDescriptor": …}` in its list."""

DESCRIPTORS = {
    "AddressType", "BirthCountry", "BirthSex", "BirthStateAbbreviation", "CitizenshipStatus",
    "Country", "ElectronicMailType", "HighestCompletedLevelOfEducation", "IdentificationDocumentUse",
    "IssuerCountry", "Language", "LanguageUse", "LimitedEnglishProficiency", "Locale", "OtherNameType",
    "PersonalInformationVerification", "Race", "Relation", "Sex", "SourceSystem", "StateAbbreviation",
    "StudentCharacteristic", "TelephoneNumberType", "Visa",
}
"""Elements the API names `…Descriptor`."""

BOOLEANS = {
    "DoNotPublishIndicator", "EmergencyContactStatus", "LegalGuardian", "LivesWith",
    "MultipleBirthStatus", "PrimaryContactStatus", "PrimaryEmailAddressIndicator",
    "TextMessageCapabilityIndicator",
}
INTEGERS = {"ContactPriority", "OrderOfPriority"}
XSD_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def api_document(element: Element) -> dict[str, Any]:
    """The element's fields in the API's shape; empty elements are left out."""
    fields: dict[str, Any] = {}
    for child in _fields(element):
        value = api_document(child) if len(child) else _value(child)
        if value is None or value == {}:
            continue
        if child.tag in LISTS and len(child):
            fields.setdefault(LISTS[child.tag], []).append(value)
        elif child.tag in DESCRIPTOR_LISTS:
            fields.setdefault(DESCRIPTOR_LISTS[child.tag], []).append({_name(child.tag): value})
        else:
            _add(fields, _name(child.tag), value)
    return fields


def _fields(element: Element) -> list[Element]:
    """The element's children, with those of flattened groups in their place."""
    children = []
    for child in element:
        flattened = child.tag in FLATTENED or child.tag.endswith("Identity")
        children += _fields(child) if flattened else [child]
    return children


def _add(fields: dict[str, Any], name: str, value: Any) -> None:
    """An element the tables do not know is a list only when it repeats."""
    if name not in fields:
        fields[name] = value
    elif isinstance(fields[name], list):
        fields[name].append(value)
    else:
        fields[name] = [fields[name], value]


def _name(tag: str) -> str:
    camel = tag[:1].lower() + tag[1:]
    return camel + "Descriptor" if tag in DESCRIPTORS else camel


def _text(element: Element) -> str | None:
    return (element.text or "").strip() or None


def _value(element: Element) -> Any:
    """Text, or the XSD boolean or integer it spells; text that spells neither stays as sent."""
    text = _text(element)
    if text is None:
        return None
    if element.tag in BOOLEANS:
        return XSD_BOOLEANS.get(text, text)
    if element.tag in INTEGERS and text.lstrip("+-").isdigit():
        return int(text)
    return text
