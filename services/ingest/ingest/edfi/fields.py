"""Field types of Ed-Fi resources: identifiers, dates, descriptors, school years, minutes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from rollcall_shared.events import AttendanceCategory

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SCHOOL_YEAR = re.compile(r"(\d{4})(?:-(\d{4}))?")
CATEGORIES = {category.value.casefold(): category for category in AttendanceCategory} | {
    "present": AttendanceCategory.IN_ATTENDANCE
}


def invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("edfi", message)


def code_value(value: object, descriptor: str) -> str | None:
    """The code value of `uri://…/{descriptor}#Value`, or of a bare `Value`; None if neither."""
    if not isinstance(value, str):
        return None
    namespace, separator, code = value.strip().rpartition("#")
    if separator and not namespace.endswith(descriptor):
        return None
    return code.strip() or None


def _bounded(limit: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise invalid("not a string")
        value = value.strip()
        if not value:
            raise invalid("empty")
        if len(value) > limit:
            raise invalid(f"longer than {limit} characters")
        if not value.isprintable():
            raise invalid("contains control characters")
        return value

    return check


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise invalid("not a date")


def _category(value: object) -> AttendanceCategory:
    code = code_value(value, "AttendanceEventCategoryDescriptor")
    if code is not None and (category := CATEGORIES.get(code.casefold())):
        return category
    raise invalid("not an attendance event category")


def _descriptor(descriptor: str, what: str) -> Callable[[object], str]:
    """The code value of a `descriptor`, of at most 64 characters (Ed-Fi's own are at most 50)."""
    bounded = _bounded(64)

    def check(value: object) -> str:
        code = code_value(value, descriptor)
        if code is None:
            raise invalid(f"not a {what}")
        return bounded(code)

    return check


def _school_year(value: object) -> int:
    if isinstance(value, str) and (match := SCHOOL_YEAR.fullmatch(value.strip())):
        start, end = match.groups()
        if end is None or int(end) == int(start) + 1:
            value = int(end or start)
    if isinstance(value, int) and not isinstance(value, bool) and 1900 < value < 2200:
        return value
    raise invalid("not a school year")


def _optional_text(value: object) -> object:
    if isinstance(value, str):
        if problem := unstorable_text(value):
            raise invalid(problem)
        return value.strip() or None
    return value


def unstorable_text(text: str) -> str | None:
    """Why the database cannot keep the text (a NUL character, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate: not Unicode text"
    return None


def unstorable(document: object, max_depth: int) -> str | None:
    """Why a JSON document cannot be kept as it is (too deep, or text the database cannot keep), or None."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > max_depth:
            return f"nested deeper than {max_depth} levels"
        if isinstance(value, dict):
            pending += [(item, depth + 1) for pair in value.items() for item in pair]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
        elif isinstance(value, str) and (problem := unstorable_text(value)):
            return problem
    return None


Identifier = Annotated[str, BeforeValidator(_bounded(64))]
Text = Annotated[str, BeforeValidator(_bounded(255))]
EdFiDate = Annotated[date, BeforeValidator(_date)]
Category = Annotated[AttendanceCategory, BeforeValidator(_category)]
CalendarEvent = Annotated[str, BeforeValidator(_descriptor("CalendarEventDescriptor", "calendar event"))]
GradeLevel = Annotated[str, BeforeValidator(_descriptor("GradeLevelDescriptor", "grade level"))]
Sex = Annotated[str, BeforeValidator(_descriptor("SexDescriptor", "sex"))]
Race = Annotated[str, BeforeValidator(_descriptor("RaceDescriptor", "race"))]
EnglishProficiency = Annotated[str, BeforeValidator(
    _descriptor("LimitedEnglishProficiencyDescriptor", "limited English proficiency")
)]
StudentCharacteristic = Annotated[str, BeforeValidator(
    _descriptor("StudentCharacteristicDescriptor", "student characteristic")
)]
ProgramType = Annotated[str, BeforeValidator(_descriptor("ProgramTypeDescriptor", "program type"))]
SchoolYear = Annotated[int, BeforeValidator(_school_year)]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Reason = Annotated[Annotated[str, Field(max_length=255)] | None, BeforeValidator(_optional_text)]
