"""One provider call for one claimed item, and what its answer makes of the item."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.consuming import unavailable

from notifications.channels.email import Email, EmailSender
from notifications.channels.errors import InDoubt, Rejected, Unavailable
from notifications.channels.sms import Sms, SmsGateway
from notifications.districts.service import settings_of
from notifications.outreach import repository
from notifications.outreach.failures import INTERRUPTED
from notifications.outreach.models import OutreachItem
from notifications.outreach.schedule import retry_after, send_after
from notifications.outreach.service import fail, set_status
from notifications.settings import Settings

NOT_TAKEN = "the provider did not answer; trying again"


@dataclass(frozen=True)
class Send:
    """One provider call to make, decided and committed (claimed) before it is made."""

    outreach_id: str
    district_id: str
    channel: str
    to: str
    subject: str | None
    body: str
    language: str


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "refused", "in doubt", "not taken"]
    provider_id: str | None = None
    reason: str | None = None


def message_id(outreach_id: str) -> str:
    return f"<{outreach_id}@rollcall.outreach>"


async def call_provider(
    send: Send, *, email: EmailSender, sms: SmsGateway, settings: Settings, deadline: float
) -> Outcome:
    """The call, cut off at `deadline` (event-loop time) so it never outlasts the in-doubt window."""
    try:
        async with asyncio.timeout_at(deadline):
            if send.channel == "sms":
                callback = (f"{settings.public_url.rstrip('/')}/v1/districts/{send.district_id}/sms/status"
                            f"?outreachId={send.outreach_id}")  # fmt: skip
                provider_id = await sms.send(
                    Sms(to=send.to, body=send.body, idempotency_key=send.outreach_id), status_callback=callback
                )
            else:
                provider_id = message_id(send.outreach_id)
                await email.send(Email(
                    to=send.to, subject=send.subject or "", body=send.body, message_id=provider_id,
                    language=send.language,
                ))  # fmt: skip
    except Rejected as refused:
        return Outcome("refused", reason=f"refused by the provider: {refused}")
    except InDoubt as unconfirmed:
        return Outcome("in doubt", reason=f"{unconfirmed}; not sent again so it cannot arrive twice")
    except Unavailable as down:
        return Outcome("not taken", reason=str(down))
    except TimeoutError:  # the deadline: a text goes again under its key, an email may have been handed over
        if send.channel == "sms":
            return Outcome("not taken", reason="the SMS provider did not answer in time")
        return Outcome("in doubt", reason="the mail server did not finish in time; not sent again so it cannot "
                                          "arrive twice")  # fmt: skip
    return Outcome("sent", provider_id=provider_id)


async def record(
    session: AsyncSession, *, send: Send, outcome: Outcome, sender_id: str, settings: Settings, now: datetime
) -> list[OutreachItem]:
    """The answer kept on the item; returns the items whose status changed."""
    [item] = await repository.claimed(session, [send.outreach_id])
    if item.status != "scheduled":
        # A delivery report outran the answer, or a recovery gave the item up while the database was down.
        item.provider_id = item.provider_id or outcome.provider_id
        if item.sender_id == sender_id:
            item.sending_since, item.sender_id, item.calling = None, None, False
        if outcome.kind == "sent" and item.status == "failed" and item.reason == INTERRUPTED:
            set_status(item, "sent", None, now)
            return [item]
        return []
    if outcome.kind == "not taken":
        if item.sender_id == sender_id:
            wait = retry_after(item.attempts, first=settings.retry_first_seconds, most=settings.retry_max_seconds)
            item.sending_since, item.sender_id, item.calling = None, None, False
            district = await settings_of(session, district_id=item.district_id, default_time_zone=settings.time_zone)
            # the next try, like the first, never in the channel's quiet hours
            item.not_before = send_after(now + wait, channel=item.channel, settings=district)
            item.reason = NOT_TAKEN
        return []
    item.sending_since, item.sender_id, item.calling = None, None, False
    item.provider_id = outcome.provider_id
    if outcome.kind == "sent":
        set_status(item, "sent", None, now)
        return [item]
    if outcome.kind == "in doubt":  # failed as after a crash mid-send, with no fallback
        set_status(item, "failed", outcome.reason, now)
        return [item]
    return await failed(session, item=item, reason=outcome.reason or "refused", settings=settings, now=now)


async def failed(
    session: AsyncSession, *, item: OutreachItem, reason: str, settings: Settings, now: datetime
) -> list[OutreachItem]:
    """Failed, with the other channel to follow; failed alone when that cannot be worked out (say, unreadable
    contact details)."""
    outreach_id = item.outreach_id  # a rolled-back savepoint leaves the item to be read again
    try:
        async with session.begin_nested():
            return await fail(
                session, item=item, reason=reason, default_time_zone=settings.time_zone, sms_from=settings.sms_from,
                now=now,
            )  # fmt: skip
    except Exception as error:
        if unavailable(error):
            raise
    [item] = await repository.claimed(session, [outreach_id])
    item.sending_since, item.sender_id, item.calling = None, None, False
    set_status(item, "failed", reason, now)
    return [item]
