"""Print batches: each school's letters of the day, one per household, as one PDF for the clerk."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import deterministic_id

from notifications.content.letters import letters_pdf
from notifications.content.templates import Templates
from notifications.districts.schemas import DistrictSettingsBody
from notifications.letters import repository
from notifications.letters.models import LetterBatch
from notifications.outreach import repository as outreach
from notifications.outreach.compose import compose, render, restored, stored
from notifications.outreach.models import OutreachItem
from notifications.outreach.service import set_status
from notifications.publishers import publish_status_changes
from notifications.roster import repository as roster


async def make_batches(
    session: AsyncSession,
    *,
    district_id: str,
    settings: DistrictSettingsBody,
    templates: Templates,
    print_date: date,
    now: datetime,
    school_ids: list[str] | None = None,
) -> list[LetterBatch]:
    """The day's batch of every school that has scheduled letters and no batch that day yet."""
    printed = await repository.schools_printed(session, district_id, print_date)
    letters = [
        item for item in await outreach.scheduled_letters(session, district_id=district_id, now=now, school_ids=school_ids)
        if item.school_id not in printed
    ]
    made, changed = [], []
    for school_id, of_school in itertools.groupby(sorted(letters, key=_school), key=_school):
        batch_id = deterministic_id(district_id, "letter-batch", school_id, print_date)
        households = itertools.groupby(sorted(of_school, key=_household_letter), key=_household_letter)
        count = 0
        for _, group in households:
            items = list(group)
            carrier = items[0]
            content = await compose(
                session, items=items, recipient=await roster.guardian(session, district_id, carrier.recipient_id),
                settings=settings,
                today=print_date,
            )  # fmt: skip
            rendered = await render(session, templates=templates, content=content, channel="letter", district_id=district_id)
            carrier.content, carrier.batch_id = stored(content, rendered), batch_id
            set_status(carrier, "sent", None, now)
            for merged in items[1:]:
                merged.merged_into = carrier.outreach_id
                set_status(merged, "suppressed", "merged into one household letter", now)
            changed += items
            count += 1
        batch = LetterBatch(
            batch_id=batch_id, district_id=district_id, school_id=school_id, print_date=print_date,
            letters=count, created_at=now,
        )  # fmt: skip
        session.add(batch)
        made.append(batch)
    await publish_status_changes(session, changed)
    return made


async def batch_pdf(session: AsyncSession, *, batch_id: str) -> bytes:
    items = await outreach.of_batch(session, batch_id)
    return letters_pdf([restored(item.content) for item in items if item.content])


def _school(item: OutreachItem) -> str:
    return item.school_id


def _household_letter(item: OutreachItem) -> tuple[str, str, str]:
    """Letters that become one: one household, rule and kind (the oldest carries the others)."""
    return (item.household_id, item.rule_id, item.kind)
