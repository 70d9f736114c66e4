"""A district's outreach settings as the API shows them."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from rollcall_shared.schemas import CamelBody

Channel = Literal["letter", "email", "sms"]
Reach = Literal["letter", "message"]
"""`message` is the short text: by SMS where a mobile number is on file, else by email."""

OUTREACH_RULES: dict[str, list[Reach]] = {
    "truancy-1": ["letter", "message"],
    "truancy-2": ["letter", "message"],
    "truancy-3": ["letter", "message"],
    "success-plan": ["letter", "message"],
    "chronic-risk": ["letter", "message"],
    "chronic": ["letter", "message"],
    "severe-chronic": [],
}
"""The playbook's "who acts on a crossing": severe-chronic is the case team's, not a letter's."""

TRUANCY_RULES = frozenset({"truancy-1", "truancy-2", "truancy-3"})


LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _local_time(value: object) -> object:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(LOCAL_TIME, value):
        return time.fromisoformat(value)
    raise ValueError("not a local time: HH:MM or HH:MM:SS, without an offset")


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME, "description": "The district's wall clock, HH:MM[:SS]"}),
]
"""A time of day where the district is: compared with its local clock, so an offset (or a number) is refused."""


class QuietHours(CamelBody):
    """No message goes out from `start` until `end` (local time; may span midnight)."""

    start: LocalTime
    end: LocalTime

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class DistrictSettingsBody(CamelBody):
    district_name: str = Field("Your School District", max_length=200, description="Letterhead name")
    address_lines: list[str] = Field(default_factory=list, max_length=5)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)
    signer: str = Field("Attendance Office", max_length=120)
    time_zone: str | None = Field(None, description="IANA name, e.g. America/Los_Angeles; the service's default if unset")
    default_language: Literal["en", "es"] = "en"
    quiet_hours: dict[Literal["sms", "email"], QuietHours] = Field(
        default_factory=lambda: {"sms": QuietHours(start=time(20), end=time(8))},
        description="Per channel; a channel not listed has no quiet hours",
    )
    letters_need_approval: bool = Field(False, description="Letters wait as pending_approval until staff approve them")
    correction_notices: bool = Field(True, description="A cleared truancy crossing whose letter went out gets a correction")
    print_time: LocalTime | None = Field(
        time(14), description="Local time the day's print batches are made; null: only when staff ask (POST /letter-batches)"
    )
    outreach: dict[str, list[Reach]] = Field(
        default_factory=lambda: dict(OUTREACH_RULES), description="What each rule's crossing sends"
    )
    schools: dict[str, str] = Field(default_factory=dict, description="School names by schoolId, for letters")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("outreach")
    @classmethod
    def _known_rules(cls, value: dict[str, list[Reach]]) -> dict[str, list[Reach]]:
        if unknown := set(value) - set(OUTREACH_RULES):
            raise ValueError(f"unknown rules {sorted(unknown)}; known: {sorted(OUTREACH_RULES)}")
        return dict(OUTREACH_RULES) | value
