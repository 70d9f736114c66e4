"""Why a body or a record was refused, in words an SIS integrator can act on."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

MESSAGES = {
    "missing": "required",
    "model_type": "not an object",
    "model_attributes_type": "not an object",
    "list_type": "not a list",
    "too_short": "must not be empty",
    "int_parsing": "not a whole number",
    "int_type": "not a whole number",
    "int_from_float": "not a whole number",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "longer than {max_length} characters",
    "string_type": "not a string",
    "bool_parsing": "not true or false",
    "bool_type": "not true or false",
}


class Unreadable(ValueError):
    """The body as a whole cannot be read; nothing of it is kept."""


def describe(error: ValidationError, fields: Mapping[str, str] | None = None) -> list[str]:
    """Every reason a record was rejected, as `field: reason`; `fields` renames fields."""
    reasons = []
    for detail in error.errors(include_url=False, include_input=False):
        if detail["type"] == "record":
            field, _, message = detail["msg"].partition(": ")
        else:
            field = ".".join(str(part) for part in detail["loc"]) or "record"
            template = MESSAGES.get(detail["type"])
            message = template.format(**detail.get("ctx", {})) if template else detail["msg"]
        reasons.append(f"{(fields or {}).get(field, field)}: {message}")
    return reasons
