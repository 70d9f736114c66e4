"""What a crossing sends and what a clearing cancels; approvals, opt-outs and provider reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import ThresholdChanged, deterministic_id

from notifications.districts.schemas import TRUANCY_RULES, DistrictSettingsBody
from notifications.districts.service import settings_of
from notifications.outreach import repository
from notifications.outreach.models import OutreachItem
from notifications.outreach.schedule import send_after
from notifications.roster import repository as roster
from notifications.roster.models import Guardian
from notifications.roster.service import Household, household_of

WENT_OUT = ("sent", "delivered")


@dataclass(frozen=True)
class Planner:
    """Turns threshold changes into outreach items; holds the service-wide defaults."""

    default_time_zone: str
    sms_from: str
    """Our sending number: opt-outs are kept per sending number."""
    hold: timedelta
    """Texts and emails wait this long, so siblings who cross together get one message."""

    async def apply(self, session: AsyncSession, *, changes: Sequence[ThresholdChanged], now: datetime) -> list[OutreachItem]:
        """Create or cancel items for the changes, in order; returns every item whose status changed."""
        changed: list[OutreachItem] = []
        districts: dict[str, DistrictSettingsBody] = {}
        for change in changes:
            if (settings := districts.get(change.district_id)) is None:
                settings = districts[change.district_id] = await settings_of(
                    session, district_id=change.district_id, default_time_zone=self.default_time_zone
                )
            if change.type == "threshold.crossed":
                changed += await self._crossed(session, change, settings, now)
            else:
                changed += await self._cleared(session, change, settings, now)
        return changed

    async def _crossed(
        self, session: AsyncSession, change: ThresholdChanged, settings: DistrictSettingsBody, now: datetime
    ) -> list[OutreachItem]:
        reaches = settings.outreach.get(change.rule_id, [])
        if not reaches:
            return []
        household = await household_of(session, district_id=change.district_id, student_id=change.student_id)
        rows = []
        for reach in reaches:
            if reach == "letter":
                rows.append(self._letter(change, household, settings, now, kind="notice"))
            else:
                channel, status, reason = await message_channel(session, self.sms_from, household.recipient)
                rows.append(self._row(change, household, settings, now, "notice", channel, status, reason))
        return await repository.add_new(session, rows)

    async def _cleared(
        self, session: AsyncSession, change: ThresholdChanged, settings: DistrictSettingsBody, now: datetime
    ) -> list[OutreachItem]:
        items = await repository.of_rule(
            session, district_id=change.district_id, student_id=change.student_id,
            school_year=change.school_year, rule_id=change.rule_id,
        )  # fmt: skip
        changed = []
        for item in items:
            if item.status in repository.WAITING and item.sending_since is None:
                set_status(item, "cancelled", "the crossing cleared before this went out", now)
                changed.append(item)
        letters = [item for item in items if item.channel == "letter" and item.kind == "notice"]
        if settings.correction_notices and change.rule_id in TRUANCY_RULES and letters and await _went_out(session, letters[-1]):
            household = await household_of(session, district_id=change.district_id, student_id=change.student_id)
            changed += await repository.add_new(session, [self._letter(change, household, settings, now, kind="correction")])
        return changed

    def _letter(
        self, change: ThresholdChanged, household: Household, settings: DistrictSettingsBody, now: datetime, *, kind: str
    ) -> dict[str, Any]:
        recipient = household.recipient
        if recipient is None:
            status, reason = "suppressed", "no contact on file"
        elif not recipient.address:
            status, reason = "suppressed", "no postal address on file"
        else:
            status, reason = ("pending_approval" if settings.letters_need_approval else "scheduled"), None
        return self._row(change, household, settings, now, kind, "letter", status, reason)

    def _row(
        self,
        change: ThresholdChanged,
        household: Household,
        settings: DistrictSettingsBody,
        now: datetime,
        kind: str,
        channel: str,
        status: str,
        reason: str | None,
    ) -> dict[str, Any]:
        recipient = household.recipient
        earliest = now if channel == "letter" else now + self.hold
        return {
            "outreach_id": deterministic_id("outreach", change.event_id, channel, kind),
            "district_id": change.district_id,
            "student_id": change.student_id,
            "school_id": change.school_id,
            "school_year": change.school_year,
            "rule_id": change.rule_id,
            "crossing_event_id": change.event_id,
            "kind": kind,
            "channel": channel,
            "language": (recipient.language if recipient else None) or settings.default_language,
            "household_id": household.household_id,
            "recipient_id": recipient.contact_id if recipient else None,
            "status": status,
            "reason": reason,
            "not_before": send_after(earliest, channel=channel, settings=settings),
            "metrics": change.metrics.model_dump(mode="json", by_alias=True),
            "days_missed": [day.model_dump(mode="json") for day in change.days_missed],
            "created_at": now,
            "updated_at": now,
        }


async def _went_out(session: AsyncSession, item: OutreachItem) -> bool:
    """Sent, or merged into a sibling's message that was."""
    if item.merged_into is not None:
        carriers = await repository.by_ids(session, [item.merged_into])
        return bool(carriers) and carriers[0].status in WENT_OUT
    return item.status in WENT_OUT


async def message_channel(
    session: AsyncSession, sms_from: str, recipient: Guardian | None, *, tried: frozenset[str] = frozenset()
) -> tuple[str, str, str | None]:
    """The short message's channel: a text where a mobile number takes them (and did not stop ours), else an email."""
    if recipient is None:
        return "sms", "suppressed", "no contact on file"
    if "sms" not in tried and recipient.mobile and not await repository.opted_out(
        session, sender=sms_from, phone=recipient.mobile
    ):
        return "sms", "scheduled", None
    if "email" not in tried and recipient.email:
        return "email", "scheduled", None
    if recipient.mobile and "sms" not in tried:
        return "sms", "suppressed", "the number opted out of texts"
    return "sms", "suppressed", "no mobile number or email on file"


def set_status(item: OutreachItem, status: str, reason: str | None, now: datetime) -> None:
    item.status, item.reason, item.updated_at = status, reason and reason[:200], now


async def fail(
    session: AsyncSession, *, item: OutreachItem, reason: str, default_time_zone: str, sms_from: str, now: datetime
) -> list[OutreachItem]:
    """Mark a text or email failed and fall back to the other; returns the items whose status changed."""
    set_status(item, "failed", reason[:200], now)
    return [item, *await fall_back(session, item=item, default_time_zone=default_time_zone, sms_from=sms_from, now=now)]


async def fall_back(
    session: AsyncSession, *, item: OutreachItem, default_time_zone: str, sms_from: str, now: datetime
) -> list[OutreachItem]:
    """After a failed text or email, the other one, if the family has it and it was not tried."""
    settings = await settings_of(session, district_id=item.district_id, default_time_zone=default_time_zone)
    recipient = await roster.guardian(session, item.district_id, item.recipient_id)
    tried = frozenset(other.channel for other in await repository.of_crossing(session, item.crossing_event_id))
    channel, status, _ = await message_channel(session, sms_from, recipient, tried=tried)
    if status != "scheduled" or channel in tried:
        return []
    row = {
        column: getattr(item, column)
        for column in (
            "district_id", "student_id", "school_id", "school_year", "rule_id", "crossing_event_id", "kind",
            "language", "household_id", "recipient_id", "metrics", "days_missed",
        )
    } | {
        "outreach_id": deterministic_id("outreach", item.crossing_event_id, channel, item.kind),
        "channel": channel,
        "status": "scheduled",
        "reason": f"instead of the {item.channel}, which failed",
        "not_before": send_after(now, channel=channel, settings=settings),
        "created_at": now,
        "updated_at": now,
    }  # fmt: skip
    return await repository.add_new(session, [row])
