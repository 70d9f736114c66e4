"""Ed-Fi student and contact documents read into what outreach needs to reach a family."""

from __future__ import annotations

from typing import Any

from notifications.channels.sms import mobile_number
from notifications.content.templates import language_of


def _code(descriptor: str | None) -> str:
    """`uri://ed-fi.org/AddressTypeDescriptor#Home` -> `Home`."""
    return (descriptor or "").rsplit("#", 1)[-1]


def _by_priority(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: int(item.get(key) or 99))


def student_row(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "student_id": document["studentUniqueId"],
        "first_name": document.get("firstName") or "",
        "last_name": document.get("lastSurname") or "",
    }


def guardian_row(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "contact_id": document["contactUniqueId"],
        "first_name": document.get("firstName") or "",
        "last_name": document.get("lastSurname") or "",
        "language": _language(document.get("languages") or []),
        "address": _address(document.get("addresses") or []),
        "email": _email(document.get("electronicMails") or []),
        "mobile": _mobile(document.get("telephones") or []),
    }


def link_row(document: dict[str, Any]) -> dict[str, Any]:
    priority = document.get("contactPriority")
    return {
        "student_id": document["studentReference"]["studentUniqueId"],
        "contact_id": document["contactReference"]["contactUniqueId"],
        "relation": _code(document.get("relationDescriptor")) or None,
        "primary_contact": bool(document.get("primaryContactStatus")),
        "lives_with": bool(document.get("livesWith")),
        "priority": int(priority) if priority is not None else None,
    }


def _language(languages: list[dict[str, Any]]) -> str | None:
    """The first language the family uses that letters are written in; home language first."""
    def home_first(language: dict[str, Any]) -> int:
        uses = {_code(use.get("languageUseDescriptor")) for use in language.get("uses") or []}
        return 0 if "Home language" in uses else 1

    for language in sorted(languages, key=home_first):
        if code := language_of(language.get("languageDescriptor")):
            return code
    return None


def _address(addresses: list[dict[str, Any]]) -> str | None:
    if not addresses:
        return None
    home = [a for a in addresses if _code(a.get("addressTypeDescriptor")) in ("Home", "Mailing")]
    address = (home or addresses)[0]
    street = " ".join(filter(None, (address.get("streetNumberName"), address.get("apartmentRoomSuiteNumber"))))
    state = _code(address.get("stateAbbreviationDescriptor"))
    town = " ".join(filter(None, (f"{address.get('city', '')},", state, address.get("postalCode"))))
    return "\n".join(line for line in (street, town.strip(", ")) if line)


def _email(emails: list[dict[str, Any]]) -> str | None:
    ordered = sorted(
        emails,
        key=lambda e: (not e.get("primaryEmailAddressIndicator"), _code(e.get("electronicMailTypeDescriptor")) == "Work"),
    )
    return next((e["electronicMailAddress"] for e in ordered if e.get("electronicMailAddress")), None)


def _mobile(telephones: list[dict[str, Any]]) -> str | None:
    """A number known to take texts; else one of type Mobile."""
    for phones in (
        [t for t in telephones if t.get("textMessageCapabilityIndicator")],
        [t for t in telephones if _code(t.get("telephoneNumberTypeDescriptor")) == "Mobile"
         and t.get("textMessageCapabilityIndicator") is not False],
    ):
        for phone in _by_priority(phones, "orderOfPriority"):
            if number := mobile_number(phone.get("telephoneNumber") or ""):
                return number
    return None
