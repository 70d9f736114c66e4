"""What ingest's endpoints share: path parameters, settings, guards, and the answer to a POST of records."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import BaseModel, Field

from rollcall_shared.auth import Scope, allow

from ingest.clients.rate import per_client
from ingest.settings import Settings

DistrictId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="1-64 characters of [A-Za-z0-9_-]")
]
SchoolId = Annotated[str, Path(min_length=1, max_length=64, description="The Ed-Fi schoolId")]


def _settings(request: Request) -> Settings:
    return request.app.state.runtime.settings


IngestSettings = Annotated[Settings, Depends(_settings)]

SIS_WRITES = [allow(Scope.ATTENDANCE_WRITE), Depends(per_client)]
"""The guards of every route that stores records: an SIS integration's token, within its rate."""


class Rejection(BaseModel):
    index: int = Field(description="Position of the record in the array, file or export (from 0)")
    errors: list[str] = Field(description="Every reason, as `field: reason`")


class IngestAnswer(BaseModel):
    """Given once the accepted records are durably stored."""

    accepted: int = Field(description="Records that changed the current record of their key")
    duplicates: int = Field(description="Records identical to the current record: nothing changed")
    rejected: list[Rejection] = Field(description="Invalid records; the others were kept")


class ResourceCounts(BaseModel):
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


class StreamAnswer(IngestAnswer):
    """The answer to an interchange file or an export: also counted per Ed-Fi resource."""

    resources: dict[str, ResourceCounts]
    ignored: dict[str, int] = Field(description="Elements ingest does not keep, by element name")
