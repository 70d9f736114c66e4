"""The sender: texts and emails to providers, a few claimed at a time and several calls at once; letters into
the day's print batches.

Each process is one sender with an id of its own. A claim (one short transaction) takes a few due items
with FOR UPDATE SKIP LOCKED, renders them and marks them in flight, held by this sender. Right before each
provider call a compare-and-set commits that the item is still this sender's and still scheduled, and marks
it in flight again from that moment: the in-doubt window counts from the call, and a call is cut off at
half of it, so no other sender's recovery touches an item whose call may be under way. An item that lost
its claim is not sent. The item id is the provider's idempotency key (SMS) and Message-ID (email).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.consuming import unavailable
from rollcall_shared.db import Database, try_lock
from rollcall_shared.logs import origin
from rollcall_shared.outbox import OutboxRelay

from notifications.channels.email import EmailSender
from notifications.channels.sms import SmsGateway
from notifications.content.templates import Templates
from notifications.districts.service import settings_of, zone
from notifications.letters import repository as letters
from notifications.letters.service import print_due
from notifications.outreach import repository
from notifications.outreach.calls import Send, call_provider, record
from notifications.outreach.claims import Claim, claim_due, take_back
from notifications.outreach.models import OutreachItem
from notifications.publishers import publish_status_changes
from notifications.settings import Settings

log = logging.getLogger(__name__)

Write = Callable[..., Awaitable[list[OutreachItem]]]
"""A change made in a transaction of its own: `write(session, now=...)` returns the items whose status changed."""


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
        sender_id: str | None = None,
    ) -> None:
        self.database = database
        self.relay = relay
        self.settings = settings
        self.templates = templates
        self.email = email
        self.sms = sms
        self.sender_id = sender_id or uuid.uuid4().hex
        self._calls: set[asyncio.Task[None]] = set()

    @property
    def call_limit(self) -> float:
        """No provider call lasts longer (seconds): half the in-doubt window."""
        return self.settings.in_doubt_seconds / 2

    async def run(self) -> None:
        """Rounds until cancelled; a failed round (the database down) is tried again after a pause that doubles."""
        pause = self.settings.dispatch_poll_seconds
        try:
            while True:
                try:
                    worked = await self.tick(datetime.now(UTC))
                except Exception as error:
                    if unavailable(error):
                        log.warning("the database does not answer (%s); sending again in %.1fs", type(error).__name__,
                                    pause)  # fmt: skip
                    else:  # the message may quote family data: name the error and where only
                        log.error("dispatch round failed with %s; trying again in %.1fs", origin(error), pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, self.settings.outage_max_seconds)
                    continue
                pause = self.settings.dispatch_poll_seconds
                if not worked:
                    await asyncio.sleep(pause)
        finally:
            await self._finish_calls()

    async def tick(self, now: datetime) -> int:
        """One round: take back what a stopped sender left, start the calls of due items, print at print time.

        The calls go on after it returns; `settled()` waits for them.
        """
        return await self._take_back(now) + await self._send_due(now) + await self._print_due(now)

    async def settled(self) -> None:
        """Every call started has ended and its answer is kept."""
        while self._calls:
            await asyncio.wait(set(self._calls))

    async def _send_due(self, now: datetime) -> int:
        if not (free := self._free()):
            await asyncio.wait(set(self._calls), return_when=asyncio.FIRST_COMPLETED)
            return 1
        async with self.database.transaction() as session:
            claim = await claim_due(
                session, sender_id=self.sender_id, settings=self.settings, templates=self.templates, now=now,
                limit=min(free, self.settings.dispatch_claim_size),
            )  # fmt: skip
            await publish_status_changes(session, claim.changed)
        return self._start(claim)

    async def _take_back(self, now: datetime) -> int:
        if not (free := self._free()):
            return 0
        async with self.database.transaction() as session:
            claim = await take_back(
                session, sender_id=self.sender_id, settings=self.settings, now=now,
                limit=min(free, self.settings.dispatch_claim_size),
            )  # fmt: skip
            await publish_status_changes(session, claim.changed)
        return self._start(claim)

    def _free(self) -> int:
        return max(self.settings.send_concurrency - len(self._calls), 0)

    def _start(self, claim: Claim) -> int:
        """The claim's calls, each in a task of its own; returns how many items the claim settled or took."""
        if claim.changed:
            self.relay.wake()
        for send in claim.sends:
            task = asyncio.create_task(self.call(send), name=f"send-{send.outreach_id}")
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)
        return len(claim.sends) + len(claim.changed)

    async def call(self, send: Send) -> None:
        """The compare-and-set, the provider call and its answer kept; an item that lost its claim is not sent."""
        try:
            deadline = asyncio.get_running_loop().time() + self.call_limit
            if not await self._begin_call(send):
                log.info("item %s is no longer this sender's: not sent", send.outreach_id)
                return
            outcome = await call_provider(send, email=self.email, sms=self.sms, settings=self.settings,
                                          deadline=deadline)  # fmt: skip
            await self._kept(partial(record, send=send, outcome=outcome, sender_id=self.sender_id,
                                     settings=self.settings))  # fmt: skip
        except Exception as error:
            log.error("sending item %s failed with %s", send.outreach_id, origin(error))

    async def _begin_call(self, send: Send) -> bool:
        try:
            async with self.database.transaction() as session:
                return await repository.begin_call(
                    session, outreach_id=send.outreach_id, sender_id=self.sender_id, now=datetime.now(UTC)
                )
        except Exception as error:
            if not unavailable(error):
                raise
        # Whether or not the mark was kept, no call was made: the item goes back to the queue.
        await self._kept(partial(_release, outreach_id=send.outreach_id, sender_id=self.sender_id))
        return False

    async def _kept(self, write: Write) -> None:
        """`write` committed, tried again while the database does not answer: a provider's answer is not dropped."""
        pause = self.settings.dispatch_poll_seconds
        while True:
            try:
                async with self.database.transaction() as session:
                    await publish_status_changes(session, await write(session, now=datetime.now(UTC)))
                break
            except Exception as error:
                if not unavailable(error):
                    raise
                log.warning("the database does not answer (%s); keeping a provider's answer in %.1fs",
                            type(error).__name__, pause)  # fmt: skip
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.settings.outage_max_seconds)
        self.relay.wake()

    async def _finish_calls(self) -> None:
        """On the way out: the calls under way end (each within the call limit) and their answers are kept."""
        if not self._calls:
            return
        _, late = await asyncio.wait(set(self._calls), timeout=self.call_limit + 5)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _print_due(self, now: datetime) -> int:
        """At each district's print time its due letters go into the schools' batches of the day, a claim at a
        time; the batches are closed once none is left."""
        async with self.database.transaction() as session:
            districts = await letters.districts_to_print(session)
        settled = 0
        for district_id in districts:
            async with self.database.transaction() as session:
                settings = await settings_of(session, district_id=district_id,
                                             default_time_zone=self.settings.time_zone)  # fmt: skip
                local = now.astimezone(zone(settings))
                if settings.print_time is None or local.time() < settings.print_time:
                    continue
                # One replica fills and closes a district's batches at a time: a batch is never closed while
                # another still adds the letters it claimed.
                if not await try_lock(session, "print", district_id):
                    continue
                done = await print_due(
                    session, district_id=district_id, settings=settings, templates=self.templates,
                    print_date=local.date(), now=now, limit=self.settings.dispatch_claim_size,
                )  # fmt: skip
                if not done:
                    await letters.close(session, district_id=district_id, print_date=local.date(), now=now,
                                        school_ids=None)  # fmt: skip
            settled += done
        if settled:
            self.relay.wake()
        return settled


async def _release(session: AsyncSession, *, outreach_id: str, sender_id: str, now: datetime) -> list[OutreachItem]:
    await repository.release(session, outreach_id=outreach_id, sender_id=sender_id)
    return []
