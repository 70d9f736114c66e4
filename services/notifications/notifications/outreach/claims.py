"""Claims: a few due texts and emails rendered and marked this sender's, and the ones a stopped sender left.

Each household's message is worked out in a savepoint of its own: an error of its own (a template failing
on its data, an address that is not one, details no key reads) fails it alone with the reason, and the
claim goes on. An outage is raised: the claim is rolled back whole and tried again later.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.consuming import unavailable

from notifications.channels.email import valid_address
from notifications.content.templates import Templates
from notifications.districts.service import settings_of, zone
from notifications.outreach import repository
from notifications.outreach.calls import Send, failed
from notifications.outreach.compose import compose, render, restored, stored
from notifications.outreach.failures import INTERRUPTED, INVALID_ADDRESS, ItemFailure, reason_for, template_failed
from notifications.outreach.models import OutreachItem
from notifications.outreach.service import fall_back, set_status
from notifications.roster import repository as roster
from notifications.settings import Settings


@dataclass(frozen=True)
class Claim:
    sends: list[Send]
    """The provider calls this sender is to make, in order."""
    changed: list[OutreachItem]
    """Items whose status changed (merged, suppressed, failed): their events go out with the claim."""


async def claim_due(
    session: AsyncSession, *, sender_id: str, settings: Settings, templates: Templates, now: datetime, limit: int
) -> Claim:
    """Up to `limit` due texts and emails, one message per household, each rendered and marked in flight."""
    due = await repository.due_messages(session, now=now, limit=limit)
    claim = Claim([], [])
    for _, group in itertools.groupby(sorted(due, key=_household_message), key=_household_message):
        items = list(group)
        ids = [item.outreach_id for item in items]
        try:
            async with session.begin_nested():
                changed: list[OutreachItem] = []
                send = await _prepare(session, items, sender_id=sender_id, settings=settings, templates=templates,
                                      now=now, changed=changed)  # fmt: skip
        except Exception as error:
            if unavailable(error):
                raise
            reason = reason_for(error, ids)
            for item in await repository.claimed(session, ids):
                claim.changed.extend(await failed(session, item=item, reason=reason, settings=settings, now=now))
            continue
        claim.changed.extend(changed)
        if send is not None:
            claim.sends.append(send)
    return claim


async def _prepare(
    session: AsyncSession,
    items: list[OutreachItem],
    *,
    sender_id: str,
    settings: Settings,
    templates: Templates,
    now: datetime,
    changed: list[OutreachItem],
) -> Send | None:
    carrier = items[0]
    # A sibling whose crossing came a moment later joins the message rather than follow it.
    items += await repository.waiting_alike(session, carrier, [item.outreach_id for item in items])
    for merged in items[1:]:
        set_status(merged, "suppressed", "merged into one household message", now)
        merged.merged_into = carrier.outreach_id
        changed.append(merged)
    district = await settings_of(session, district_id=carrier.district_id, default_time_zone=settings.time_zone)
    recipient = await roster.guardian(session, carrier.district_id, carrier.recipient_id)
    to = None
    if recipient is not None:
        to = recipient.mobile if carrier.channel == "sms" else recipient.email
    if to is not None and carrier.channel == "sms" and await repository.opted_out(
        session, sender=settings.sms_from, phone=to
    ):
        set_status(carrier, "suppressed", "the number opted out of texts", now)
    elif to is None:
        set_status(carrier, "suppressed", f"no {'mobile number' if carrier.channel == 'sms' else 'email'} on file", now)
    if carrier.status == "suppressed":
        changed.append(carrier)
        changed.extend(await fall_back(
            session, item=carrier, default_time_zone=settings.time_zone, sms_from=settings.sms_from, now=now
        ))  # fmt: skip
        return None
    if carrier.channel == "email" and (to := valid_address(to)) is None:
        raise ItemFailure(INVALID_ADDRESS)
    content = await compose(
        session, items=items, recipient=recipient, settings=district, today=now.astimezone(zone(district)).date()
    )
    try:
        rendered = await render(
            session, templates=templates, content=content, channel=carrier.channel, district_id=carrier.district_id
        )
    except Exception as error:  # any failure of the template is this family's message's alone
        if unavailable(error):
            raise
        raise template_failed(error, content, to) from None
    carrier.content = stored(content, rendered)
    carrier.sending_since, carrier.sender_id, carrier.calling = now, sender_id, False
    return Send(
        outreach_id=carrier.outreach_id, district_id=carrier.district_id, channel=carrier.channel, to=to,
        subject=rendered.subject, body=rendered.body, language=carrier.language,
    )  # fmt: skip


async def take_back(session: AsyncSession, *, sender_id: str, settings: Settings, now: datetime, limit: int) -> Claim:
    """Items in flight longer than the in-doubt window: their sender stopped, as no provider call lasts that long.

    One whose call never began goes back to the queue. A text whose call began goes again, its words as they
    were, under the same idempotency key (the provider answers with the first message); an email whose call
    began is failed, since SMTP has no idempotency key and it may have arrived.
    """
    started_before = now - timedelta(seconds=settings.in_doubt_seconds)
    claim = Claim([], [])
    for item in await repository.in_doubt(session, started_before=started_before, limit=limit):
        outreach_id = item.outreach_id  # a rolled-back savepoint leaves the item to be read again
        try:
            async with session.begin_nested():
                send = await _taken_back(session, item, sender_id=sender_id, now=now)
        except Exception as error:
            if unavailable(error):
                raise
            [item] = await repository.claimed(session, [outreach_id])
            item.sending_since, item.sender_id, item.calling = None, None, False
            set_status(item, "failed", f"{INTERRUPTED} ({reason_for(error, [outreach_id])})", now)
            claim.changed.append(item)
            continue
        if send is not None:
            claim.sends.append(send)
        elif item.status == "failed":
            claim.changed.append(item)
    return claim


async def _taken_back(session: AsyncSession, item: OutreachItem, *, sender_id: str, now: datetime) -> Send | None:
    if not item.calling:
        item.sending_since, item.sender_id = None, None
        return None
    if item.channel != "sms":
        item.sending_since, item.sender_id, item.calling = None, None, False
        set_status(item, "failed", INTERRUPTED, now)
        return None
    kept = await repository.content_of(session, item.outreach_id)
    recipient = await roster.guardian(session, item.district_id, item.recipient_id)
    if kept is None or recipient is None or not recipient.mobile:
        raise ItemFailure("nothing left to send it again with")
    _, rendered = restored(kept)
    item.sending_since, item.sender_id, item.calling = now, sender_id, False
    return Send(
        outreach_id=item.outreach_id, district_id=item.district_id, channel="sms", to=recipient.mobile,
        subject=None, body=rendered.body, language=item.language,
    )  # fmt: skip


def _household_message(item: OutreachItem) -> tuple[str, str, str, str, str]:
    """Items that become one message: one household, channel, rule and kind."""
    return (item.district_id, item.household_id, item.channel, item.rule_id, item.kind)
