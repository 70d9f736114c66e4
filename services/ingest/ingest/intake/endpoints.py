"""Ed-Fi resources as JSON, Ed-Fi XML interchanges and SIS CSV exports: the SIS feeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from rollcall_shared.problems import Problem
from rollcall_shared.service import Session

from ingest.api import SIS_WRITES, DistrictId, IngestAnswer, IngestSettings, StreamAnswer
from ingest.edfi.interchange import InterchangeReader
from ingest.exports.profiles import PROFILES
from ingest.exports.reader import ExportReader
from ingest.intake.bodies import (
    CSV_TYPES,
    MAX_RECORDS,
    XML_TYPES,
    charset,
    json_records,
    limited,
    media_type,
    unreadable_as_problem,
)
from ingest.intake.service import RESOURCES, Intake

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["ingest"], dependencies=SIS_WRITES)


def _documented_body(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    """How the API docs show a body the endpoint reads itself, record by record."""
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    """The schema with every `$ref` to its definitions replaced by the definition."""
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(definitions[schema["$ref"].rpartition("/")[2]], definitions)
    return {key: _inline(value, definitions) for key, value in schema.items() if key != "$defs"}


def _ed_fi_body(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    one = _inline(schema, schema.get("$defs", {}))
    many = {"type": "array", "items": one, "maxItems": MAX_RECORDS}
    return _documented_body("application/json", {"oneOf": [one, many]})


def _post_records(resource: str) -> Callable[..., Awaitable[IngestAnswer]]:
    async def post_records(
        district_id: DistrictId, request: Request, session: Session, settings: IngestSettings
    ) -> IngestAnswer:
        records = await json_records(request, settings.max_body_bytes)
        intake = Intake(session, district_id=district_id, batch_size=MAX_RECORDS)
        for record in records:
            await intake.add(resource, record)
        await intake.flush()
        return intake.answer()

    return post_records


for _name, _resource in RESOURCES.items():
    router.add_api_route(
        f"/ed-fi/{_name}",
        _post_records(_name),
        methods=["POST"],
        response_model=IngestAnswer,
        operation_id=f"post_{_name}",
        summary=f"Store Ed-Fi {_resource.model.__name__} records",
        description="One resource in the Ed-Fi API's JSON shape, or an array of up to 10,000. "
        "Descriptors may be `uri://ed-fi.org/…Descriptor#Value` or the bare value.",
        openapi_extra=_ed_fi_body(_resource.model),
    )


@router.post(
    "/ed-fi/interchanges",
    response_model=StreamAnswer,
    openapi_extra=_documented_body("application/xml", {"type": "string"}),
)
async def load_interchange(
    district_id: DistrictId, request: Request, session: Session, settings: IngestSettings
) -> StreamAnswer:
    """Store the records of an Ed-Fi XML interchange file, read as it streams in."""
    media_type(request, XML_TYPES)
    reader = InterchangeReader()
    intake = Intake(session, district_id=district_id, batch_size=settings.stream_batch_size)
    with unreadable_as_problem():
        async for chunk in limited(request, settings.max_stream_bytes):
            for resource, record in reader.feed(chunk):
                await intake.add(resource, record)
        for resource, record in reader.close():
            await intake.add(resource, record)
    await intake.flush()
    return intake.stream_answer(ignored=reader.ignored)


@router.post(
    "/csv/daily-attendance",
    response_model=StreamAnswer,
    openapi_extra=_documented_body("text/csv", {"type": "string"}),
)
async def load_daily_attendance_export(
    district_id: DistrictId,
    request: Request,
    session: Session,
    settings: IngestSettings,
    profile: Annotated[str, Query(description="Column mapping", json_schema_extra={"enum": list(PROFILES)})],
) -> StreamAnswer:
    """Store the rows of a SIS daily-attendance CSV export, read with a named column mapping."""
    if profile not in PROFILES:
        raise Problem(422, "Unknown profile", f"profile is one of {', '.join(PROFILES)}")
    reader = ExportReader(PROFILES[profile], charset(media_type(request, CSV_TYPES)))
    intake = Intake(
        session,
        district_id=district_id,
        batch_size=settings.stream_batch_size,
        fields=PROFILES[profile].columns,
    )
    with unreadable_as_problem():
        async for chunk in limited(request, settings.max_stream_bytes):
            for record in reader.feed(chunk):
                await intake.add("studentSchoolAttendanceEvents", record)
        for record in reader.close():
            await intake.add("studentSchoolAttendanceEvents", record)
    await intake.flush()
    return intake.stream_answer(ignored={})
