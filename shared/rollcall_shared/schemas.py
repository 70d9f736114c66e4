"""The API's shapes share one base: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Camel(BaseModel):
    """What an endpoint answers (or reads): camelCase JSON, made from attributes as well as keywords."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class CamelBody(Camel):
    """What a caller sends: an unknown field is refused by name, so a misspelt one is never silently dropped."""

    model_config = ConfigDict(extra="forbid")
