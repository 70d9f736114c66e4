"""What the SMS provider tells us: delivery reports and replies (STOP opts a number out at once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from notifications.channels.sms import is_opt_in, is_opt_out, parse_inbound, parse_status, valid_signature
from notifications.outreach import repository
from notifications.outreach.service import fail, set_status
from notifications.publishers import publish_status_changes

router = APIRouter(prefix="/v1/districts/{district_id}/sms", tags=["sms provider callbacks"])

SIGNATURE_HEADER = "X-Twilio-Signature"
CALLBACKS = ("/v1/districts/{district_id}/sms/status", "/v1/districts/{district_id}/sms/inbound")
CALLBACK_BODY_BYTES = 64 * 1024
"""A provider's callback is a form of a few dozen short fields; a text's body is at most 1,600 characters."""


async def _signed_form(request: Request) -> dict[str, str]:
    """The callback's form, once its signature proves it came from the provider."""
    form = {key: str(value) for key, value in (await request.form(max_files=0, max_fields=100)).items()}
    settings = request.app.state.runtime.settings
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{settings.public_url.rstrip('/')}{request.url.path}{query}"
    if not valid_signature(url, form, settings.sms_token.get_secret_value(), request.headers.get(SIGNATURE_HEADER, "")):
        raise Problem(403, "Forbidden", f"the {SIGNATURE_HEADER} header does not sign this request")
    return form


@router.post("/status", status_code=204)
async def delivery_report(
    district_id: DistrictId,
    request: Request,
    session: Session,
    outreach_id: Annotated[str | None, Query(alias="outreachId", max_length=36)] = None,
) -> Response:
    """A message was sent, delivered or could not be delivered; the last falls back to email.

    The callback URL names the item, so a report that outruns the provider's answer still finds it.
    """
    report = parse_status(await _signed_form(request))
    if outreach_id is not None:
        item = next(iter(await repository.by_ids(session, [outreach_id], district_id=district_id)), None)
    else:
        item = await repository.by_provider_id(session, district_id, report.provider_id)
    if item is None or item.status in ("delivered", "failed"):
        return Response(status_code=204)
    now = datetime.now(UTC)
    settings = request.app.state.runtime.settings
    item.provider_id = item.provider_id or report.provider_id
    changed = []
    if report.status == "delivered":
        set_status(item, "delivered", None, now)
        changed.append(item)
    elif report.status == "failed":
        changed += await fail(
            session, item=item, reason=f"undeliverable: {report.error or 'no reason given'}",
            default_time_zone=settings.time_zone, sms_from=settings.sms_from, now=now,
        )  # fmt: skip
    await publish_status_changes(session, changed)
    return Response(status_code=204)


@router.post("/inbound", status_code=204)
async def reply(district_id: DistrictId, request: Request, session: Session) -> Response:
    """A family's reply: STOP (and its synonyms) opts the number out of texts from our number it wrote to, for
    every district sending from it; START opts it back in."""
    inbound = parse_inbound(await _signed_form(request))
    sender = inbound.to_number or request.app.state.runtime.settings.sms_from
    if is_opt_out(inbound.body):
        await repository.opt_out(
            session, sender=sender, phone=inbound.from_number, district_id=district_id, now=datetime.now(UTC)
        )
    elif is_opt_in(inbound.body):
        await repository.opt_in(session, sender=sender, phone=inbound.from_number)
    return Response(status_code=204)
