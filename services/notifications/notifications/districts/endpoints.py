"""A district's outreach settings and templates, with a preview of what families would read."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from rollcall_shared.auth import OPERATOR, OPERATOR_OR_STAFF
from rollcall_shared.problems import Problem
from rollcall_shared.schemas import CamelBody
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from notifications.content.context import Letterhead
from notifications.content.letters import letter_pdf
from notifications.content.samples import sample_content
from notifications.content.templates import CHANNELS, KINDS, SUPPORTED_LANGUAGES, TemplateFailed, Templates
from notifications.districts import repository, service
from notifications.districts.schemas import DistrictSettingsBody

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["district settings"])

Kind = Annotated[str, Path(description=f"one of {', '.join(KINDS)}")]
ChannelName = Annotated[str, Path(description=f"one of {', '.join(CHANNELS)}")]
Language = Annotated[str, Path(description=f"one of {', '.join(SUPPORTED_LANGUAGES)}")]


def _templates(request: Request) -> Templates:
    return request.app.state.runtime.services["templates"]


def _default_zone(request: Request) -> str:
    return request.app.state.runtime.settings.time_zone


@router.get(
    "/settings",
    dependencies=[OPERATOR_OR_STAFF],
    response_model=DistrictSettingsBody,
    response_model_by_alias=True,
)
async def get_settings(district_id: DistrictId, session: Session, request: Request) -> DistrictSettingsBody:
    """Letterhead, time zone, quiet hours, approval, print time and what each rule sends."""
    return await service.settings_of(session, district_id=district_id, default_time_zone=_default_zone(request))


@router.put(
    "/settings",
    dependencies=[OPERATOR],
    response_model=DistrictSettingsBody,
    response_model_by_alias=True,
)
async def put_settings(district_id: DistrictId, body: DistrictSettingsBody, session: Session) -> DistrictSettingsBody:
    """Replace the district's settings; they apply to outreach planned from now on."""
    await service.save(session, district_id=district_id, body=body, now=datetime.now(UTC))
    return body


class Template(CamelBody):
    kind: str
    channel: str
    language: str
    source: str = Field(description="Jinja2: `{% block subject %}` (not for SMS) and `{% block body %}`")
    overridden: bool = Field(description="The district's own version, not the default")


class TemplateBody(CamelBody):
    source: str = Field(max_length=50_000)


class PreviewBody(CamelBody):
    source: str | None = Field(None, max_length=50_000, description="A draft to preview; the current template if absent")


class Preview(CamelBody):
    subject: str | None
    body: str


def _known(kind: str, channel: str, language: str) -> None:
    for name, value, known in (("kind", kind, KINDS), ("channel", channel, CHANNELS), ("language", language, SUPPORTED_LANGUAGES)):
        if value not in known:
            raise Problem(404, "Not found", f"{name} {value!r} is not one of {', '.join(known)}")


@router.get(
    "/templates/{kind}/{channel}/{language}",
    dependencies=[OPERATOR_OR_STAFF],
    response_model=Template,
    response_model_by_alias=True,
)
async def get_template(
    district_id: DistrictId, kind: Kind, channel: ChannelName, language: Language, session: Session, request: Request
) -> Template:
    """The template in use: the district's own, else the default."""
    _known(kind, channel, language)
    own = await repository.template(session, district_id, kind, channel, language)
    source = own if own is not None else _templates(request).default_source(kind, channel, language)
    return Template(kind=kind, channel=channel, language=language, source=source, overridden=own is not None)


@router.put(
    "/templates/{kind}/{channel}/{language}",
    dependencies=[OPERATOR],
    response_model=Template,
    response_model_by_alias=True,
)
async def put_template(
    district_id: DistrictId, kind: Kind, channel: ChannelName, language: Language, body: TemplateBody,
    session: Session, request: Request,
) -> Template:  # fmt: skip
    """Use the district's own template; refused with every error if it does not render, or breaks a limit, on a sample."""
    _known(kind, channel, language)
    errors = await _templates(request).check(body.source, sample=sample_content(kind, language), channel=channel)
    if errors:
        raise Problem(422, "Invalid template", "; ".join(errors), errors=errors)
    await repository.save_template(session, district_id, kind, channel, language, body.source, datetime.now(UTC))
    return Template(kind=kind, channel=channel, language=language, source=body.source, overridden=True)


@router.delete("/templates/{kind}/{channel}/{language}", dependencies=[OPERATOR], status_code=204)
async def delete_template(district_id: DistrictId, kind: Kind, channel: ChannelName, language: Language, session: Session) -> Response:
    """Go back to the default template."""
    _known(kind, channel, language)
    if not await repository.delete_template(session, district_id, kind, channel, language):
        raise Problem(404, "Not found", "the district has no template of its own here")
    return Response(status_code=204)


@router.post(
    "/templates/{kind}/{channel}/{language}/preview",
    dependencies=[OPERATOR],
    response_model=Preview,
    response_model_by_alias=True,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def preview(
    district_id: DistrictId, kind: Kind, channel: ChannelName, language: Language, body: PreviewBody,
    session: Session, request: Request,
    format: Annotated[Literal["json", "pdf"], Query(description="pdf: the letter as it would print")] = "json",
) -> Preview | Response:  # fmt: skip
    """What a sample family would read, on the district's letterhead."""
    _known(kind, channel, language)
    settings = await service.settings_of(session, district_id=district_id, default_time_zone=_default_zone(request))
    content = dataclasses.replace(
        sample_content(kind, language),
        letterhead=Letterhead(
            district_name=settings.district_name, address_lines=tuple(settings.address_lines),
            phone=settings.phone, email=settings.email, signer=settings.signer,
        ),
    )  # fmt: skip
    source = body.source if body.source is not None else await repository.template(session, district_id, kind, channel, language)
    if format == "pdf" and channel != "letter":
        raise Problem(400, "Invalid request", "format=pdf previews letters only")
    templates = _templates(request)
    if source is not None and (errors := await templates.check(source, sample=content, channel=channel)):
        raise Problem(422, "Invalid template", "; ".join(errors), errors=errors)
    try:
        rendered = await templates.render(content=content, channel=channel, source=source)
    except TemplateFailed as failure:  # passed the check but not on a second run (a time limit on a busy machine)
        raise Problem(422, "Invalid template", str(failure), errors=[str(failure)]) from None
    if format == "pdf":
        return Response(await asyncio.to_thread(letter_pdf, content, rendered), media_type="application/pdf")
    return Preview(subject=rendered.subject, body=rendered.body)
