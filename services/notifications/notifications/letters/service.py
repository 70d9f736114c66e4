"""Print batches: each school's letters of the day, one per household, as one PDF for the clerk.

Letters go into their school's batch of the day a claim at a time, each household's letter in a savepoint
of its own: one whose template fails on its data, or whose details no key reads, fails alone with the
reason and the rest are printed. Once no due letter is left the day's batches are closed.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.consuming import unavailable
from rollcall_shared.events import deterministic_id

from notifications.content.letters import letters_pdf
from notifications.content.templates import Templates
from notifications.districts.schemas import DistrictSettingsBody
from notifications.letters import repository
from notifications.letters.models import LetterBatch
from notifications.outreach import repository as outreach
from notifications.outreach.compose import compose, render, restored, stored
from notifications.outreach.failures import reason_for, template_failed
from notifications.outreach.models import OutreachItem
from notifications.outreach.service import set_status
from notifications.publishers import publish_status_changes
from notifications.roster import repository as roster


async def print_due(
    session: AsyncSession,
    *,
    district_id: str,
    settings: DistrictSettingsBody,
    templates: Templates,
    print_date: date,
    now: datetime,
    limit: int | None,
    school_ids: list[str] | None = None,
) -> int:
    """Up to `limit` due letters (all with None) into their school's open batch of `print_date`; returns how many
    letters this claim settled (printed, merged or failed)."""
    letters = await repository.due_letters(
        session, district_id=district_id, print_date=print_date, now=now, limit=limit, school_ids=school_ids
    )
    changed: list[OutreachItem] = []
    printed: Counter[str] = Counter()
    for _, group in itertools.groupby(sorted(letters, key=_household_letter), key=_household_letter):
        items = list(group)
        ids = [item.outreach_id for item in items]  # a rolled-back savepoint leaves the items to be read again
        batch_id = deterministic_id(district_id, "letter-batch", items[0].school_id, print_date)
        try:
            async with session.begin_nested():
                items += await repository.letters_alike(session, items[0], ids, now=now)
                await _print(session, items, settings=settings, templates=templates, batch_id=batch_id, now=now,
                             print_date=print_date)  # fmt: skip
        except Exception as error:
            if unavailable(error):
                raise
            reason = reason_for(error, ids)
            for item in await outreach.claimed(session, ids):
                set_status(item, "failed", reason, now)
                changed.append(item)
            continue
        changed += items
        printed[items[0].school_id] += 1
    for school_id, count in printed.items():
        await repository.add_letters(
            session, batch_id=deterministic_id(district_id, "letter-batch", school_id, print_date),
            district_id=district_id, school_id=school_id, print_date=print_date, letters=count, now=now,
        )  # fmt: skip
    await publish_status_changes(session, changed)
    return len(letters)


async def _print(
    session: AsyncSession,
    items: list[OutreachItem],
    *,
    settings: DistrictSettingsBody,
    templates: Templates,
    batch_id: str,
    print_date: date,
    now: datetime,
) -> None:
    """The household's letter, naming every child of `items`, made and kept on the first (the others merge into it)."""
    carrier = items[0]
    content = await compose(
        session, items=items, recipient=await roster.guardian(session, carrier.district_id, carrier.recipient_id),
        settings=settings, today=print_date,
    )  # fmt: skip
    try:
        rendered = await render(
            session, templates=templates, content=content, channel="letter", district_id=carrier.district_id
        )
    except Exception as error:  # any failure of the template is this household's letter's alone
        if unavailable(error):
            raise
        raise template_failed(error, content) from None
    carrier.content, carrier.batch_id = stored(content, rendered), batch_id
    set_status(carrier, "sent", None, now)
    for merged in items[1:]:
        merged.merged_into = carrier.outreach_id
        set_status(merged, "suppressed", "merged into one household letter", now)


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
    """Every due letter of the district (or of `school_ids`) printed now, and the day's batches closed."""
    await print_due(
        session, district_id=district_id, settings=settings, templates=templates, print_date=print_date, now=now,
        limit=None, school_ids=school_ids,
    )  # fmt: skip
    return await repository.close(session, district_id=district_id, print_date=print_date, now=now,
                                  school_ids=school_ids)  # fmt: skip


async def batch_pdf(session: AsyncSession, *, batch_id: str) -> bytes | None:
    """The batch as one PDF, laid out in a worker thread (fpdf2 is pure Python: it would hold up the event loop);
    None when it holds no letter to print."""
    items = await outreach.of_batch(session, batch_id)
    letters = [restored(item.content) for item in items if item.content]
    return await asyncio.to_thread(letters_pdf, letters) if letters else None


def _household_letter(item: OutreachItem) -> tuple[str, str, str, str]:
    """Letters that become one: one school, household, rule and kind (the oldest carries the others)."""
    return (item.school_id, item.household_id, item.rule_id, item.kind)
