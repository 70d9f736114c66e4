"""The sender: texts and emails to providers, letters into the day's print batches.

An item is marked in flight and committed before its provider is called (the provider gets
the item id as idempotency key), so a restart never sends it twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rollcall_shared.db import Database
from rollcall_shared.outbox import OutboxRelay

from notifications.channels.email import Email, EmailSender
from notifications.channels.errors import InDoubt, Rejected, Unavailable
from notifications.channels.sms import Sms, SmsGateway
from notifications.content.templates import Templates
from notifications.districts.service import settings_of, zone
from notifications.letters.service import make_batches
from notifications.outreach import repository
from notifications.outreach.compose import compose, render, restored, stored
from notifications.outreach.models import OutreachItem
from notifications.outreach.service import fail, fall_back, set_status
from notifications.publishers import publish_status_changes
from notifications.roster import repository as roster
from notifications.settings import Settings

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Send:
    """One provider call to make, decided and committed before it is made."""

    outreach_id: str
    district_id: str
    channel: str
    to: str
    subject: str | None
    body: str
    language: str


class Dispatcher:
    def __init__(
        self,
        *,
        database: Database,
        relay: OutboxRelay,
        settings: Settings,
        templates: Templates,
        email: EmailSender,
        sms: SmsGateway,
    ) -> None:
        self.database = database
        self.relay = relay
        self.settings = settings
        self.templates = templates
        self.email = email
        self.sms = sms

    async def run(self) -> None:
        while True:
            try:
                worked = await self.tick(datetime.now(UTC))
            except Exception as error:  # the message may quote family data: name the error and where only
                where = error.__traceback__ and _last_frame(error)
                log.error("dispatch round failed with %s at %s; trying again", type(error).__name__, where)
                worked = 0
            if not worked:
                await asyncio.sleep(self.settings.dispatch_poll_seconds)

    async def tick(self, now: datetime) -> int:
        """One round: finish what a stopped sender left in flight, send what is due, print at print time."""
        return await self._recover(now) + await self._send_due(now) + await self._print_due(now)

    async def _send_due(self, now: datetime) -> int:
        sends: list[Send] = []
        async with self.database.transaction() as session:
            due = await repository.due_messages(session, now=now, limit=self.settings.dispatch_batch_size)
            changed: list[OutreachItem] = []
            for _, group in itertools.groupby(sorted(due, key=_household_message), key=_household_message):
                items = list(group)
                # A sibling whose crossing came a moment later joins the message rather than follow it.
                items += await repository.waiting_alike(session, items[0], [item.outreach_id for item in items])
                carrier = items[0]
                for merged in items[1:]:
                    set_status(merged, "suppressed", "merged into one household message", now)
                    merged.merged_into = carrier.outreach_id
                    changed.append(merged)
                send = await self._prepare(session, carrier, items, now, changed)
                if send is not None:
                    sends.append(send)
            await publish_status_changes(session, changed)
        self.relay.wake()
        for send in sends:
            await self._deliver(send)
        return len(due)

    async def _prepare(
        self, session, carrier: OutreachItem, items: list[OutreachItem], now: datetime, changed: list[OutreachItem]
    ) -> Send | None:
        settings = await settings_of(
            session, district_id=carrier.district_id, default_time_zone=self.settings.time_zone
        )
        recipient = await roster.guardian(session, carrier.district_id, carrier.recipient_id)
        to = None
        if recipient is not None:
            to = recipient.mobile if carrier.channel == "sms" else recipient.email
        if to is not None and carrier.channel == "sms" and await repository.opted_out(session, carrier.district_id, to):
            set_status(carrier, "suppressed", "the number opted out of texts", now)
        elif to is None:
            set_status(carrier, "suppressed", f"no {'mobile number' if carrier.channel == 'sms' else 'email'} on file", now)
        if carrier.status == "suppressed":
            changed.append(carrier)
            changed.extend(await fall_back(session, item=carrier, default_time_zone=self.settings.time_zone, now=now))
            return None
        content = await compose(
            session, items=items, recipient=recipient, settings=settings, today=now.astimezone(zone(settings)).date()
        )
        rendered = await render(
            session, templates=self.templates, content=content, channel=carrier.channel, district_id=carrier.district_id
        )
        carrier.content = stored(content, rendered)
        carrier.sending_since = now
        return Send(
            outreach_id=carrier.outreach_id,
            district_id=carrier.district_id,
            channel=carrier.channel,
            to=to,
            subject=rendered.subject,
            body=rendered.body,
            language=carrier.language,
        )

    async def _deliver(self, send: Send) -> None:
        provider_id, failure, retry, in_doubt = None, None, False, False
        try:
            if send.channel == "sms":
                callback = (
                    f"{self.settings.public_url.rstrip('/')}/v1/districts/{send.district_id}/sms/status"
                    f"?outreachId={send.outreach_id}"
                )
                provider_id = await self.sms.send(
                    Sms(to=send.to, body=send.body, idempotency_key=send.outreach_id), status_callback=callback
                )
            else:
                provider_id = message_id(send.outreach_id)
                await self.email.send(Email(
                    to=send.to, subject=send.subject or "", body=send.body, message_id=provider_id, language=send.language
                ))
        except Rejected as rejected:
            failure = f"refused by the provider: {rejected}"
        except InDoubt as unconfirmed:
            failure, in_doubt = f"{unconfirmed}; not sent again so it cannot arrive twice", True
        except Unavailable:
            retry = True
        async with self.database.transaction() as session:
            [item] = await repository.by_ids(session, [send.outreach_id])
            now = datetime.now(UTC)
            if retry and item.status == "scheduled":
                item.sending_since, item.not_before = None, now + RETRY_AFTER
                item.reason = "the provider did not answer; trying again"
                return
            item.sending_since = None
            if item.status != "scheduled":  # a delivery report came in before the provider's answer
                item.provider_id = item.provider_id or provider_id
                return
            if failure is None or in_doubt:  # in doubt: failed as after a crash mid-send, with no fallback
                item.provider_id = provider_id
                set_status(item, "failed" if in_doubt else "sent", failure, now)
                changed = [item]
            else:
                changed = await fail(session, item=item, reason=failure, default_time_zone=self.settings.time_zone, now=now)
            await publish_status_changes(session, changed)
        self.relay.wake()

    async def _recover(self, now: datetime) -> int:
        """Texts in flight are sent again under the same idempotency key; emails are not (SMTP has none)."""
        started_before = now - timedelta(seconds=self.settings.in_doubt_seconds)
        resend: list[Send] = []
        async with self.database.transaction() as session:
            stuck = await repository.in_doubt(session, started_before=started_before, limit=self.settings.dispatch_batch_size)
            changed = []
            for item in stuck:
                recipient = await roster.guardian(session, item.district_id, item.recipient_id)
                if item.channel == "sms" and item.content and recipient is not None and recipient.mobile:
                    _, rendered = restored(item.content)
                    item.sending_since = now
                    resend.append(Send(
                        outreach_id=item.outreach_id, district_id=item.district_id, channel="sms",
                        to=recipient.mobile, subject=None, body=rendered.body, language=item.language,
                    ))  # fmt: skip
                else:
                    set_status(item, "failed", "interrupted while sending; not sent again so it cannot arrive twice", now)
                    item.sending_since = None
                    changed.append(item)
            await publish_status_changes(session, changed)
        for send in resend:
            await self._deliver(send)
        return len(stuck)

    async def _print_due(self, now: datetime) -> int:
        """Each district's print batches are made at its print time, once a day per school."""
        made = 0
        async with self.database.transaction() as session:
            for district_id in await repository.districts_with_scheduled_letters(session):
                settings = await settings_of(session, district_id=district_id, default_time_zone=self.settings.time_zone)
                local = now.astimezone(zone(settings))
                if settings.print_time is None or local.time() < settings.print_time:
                    continue
                batches = await make_batches(
                    session, district_id=district_id, settings=settings, templates=self.templates,
                    print_date=local.date(), now=now,
                )  # fmt: skip
                made += len(batches)
        if made:
            self.relay.wake()
        return made


def _household_message(item: OutreachItem) -> tuple[str, str, str, str, str]:
    """Items that become one message: one household, channel, rule and kind."""
    return (item.district_id, item.household_id, item.channel, item.rule_id, item.kind)


def message_id(outreach_id: str) -> str:
    return f"<{outreach_id}@rollcall.outreach>"


def _last_frame(error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{frame.filename}:{frame.lineno}"
