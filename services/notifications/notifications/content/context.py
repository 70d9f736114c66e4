"""What a template is given: one household's message about one crossing, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date


@dataclass(frozen=True)
class Absence:
    """One day missed."""

    date: Date
    category: str
    """Ed-Fi category, e.g. "Unexcused Absence", "Excused Absence", "Tardy"."""
    truant: bool


@dataclass(frozen=True)
class Child:
    """One student of the household, with the school year's counts and days missed."""

    student_id: str
    first_name: str
    last_name: str
    school_id: str
    school_name: str | None
    absent_days: int
    truant_days: int
    unexcused_period_absences: int
    enrolled_days: int
    absence_rate: float | None
    absences: tuple[Absence, ...]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Recipient:
    """The parent or guardian the message is addressed to."""

    name: str
    address_lines: tuple[str, ...]
    """Postal address; may be empty for email and SMS."""


@dataclass(frozen=True)
class Letterhead:
    """The district as it signs its letters."""

    district_name: str
    address_lines: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    signer: str = "Attendance Office"


@dataclass(frozen=True)
class OutreachContent:
    """The template context: one message to one household about one rule."""

    kind: str
    """A rule kind ("truancy-1" ... "chronic") or "correction"."""
    rule_id: str
    """The crossing's rule; for "correction", the rule whose letter is withdrawn."""
    language: str
    children: tuple[Child, ...]
    """Siblings of one household in one message; the message names each child."""
    recipient: Recipient
    letterhead: Letterhead
    date: Date
    """The date of the letter or message."""
    school_year: int
    """Named by the calendar year it ends in (2022 is 2021-22)."""
