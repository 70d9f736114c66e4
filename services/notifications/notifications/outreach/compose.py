"""One household's message, put together from its items, the roster and the district's letterhead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.content.context import Absence, Child, Letterhead, OutreachContent, Recipient
from notifications.content.templates import Rendered, Templates
from notifications.districts import repository as districts
from notifications.districts.schemas import DistrictSettingsBody
from notifications.outreach.models import OutreachItem
from notifications.roster import repository as roster
from notifications.roster.models import Guardian

_content = TypeAdapter(OutreachContent)


async def compose(
    session: AsyncSession,
    *,
    items: Sequence[OutreachItem],
    recipient: Guardian | None,
    settings: DistrictSettingsBody,
    today: date,
) -> OutreachContent:
    """The content of one message naming every child of `items` (the first is the carrier)."""
    carrier = items[0]
    students = await roster.students(session, carrier.district_id, {item.student_id for item in items})
    children = []
    for item in dict((item.student_id, item) for item in items).values():
        student = students.get(item.student_id)
        metrics = item.metrics
        children.append(Child(
            student_id=item.student_id,
            first_name=student.first_name if student else "",
            last_name=student.last_name if student else "",
            school_id=item.school_id,
            school_name=settings.schools.get(item.school_id),
            absent_days=metrics.get("absentDays", 0),
            truant_days=metrics.get("truantDays", 0),
            unexcused_period_absences=metrics.get("unexcusedPeriodAbsences", 0),
            enrolled_days=metrics.get("enrolledDays", 0),
            absence_rate=metrics.get("absenceRate"),
            absences=tuple(
                Absence(date=date.fromisoformat(day["date"]), category=day["category"], truant=day["truant"])
                for day in item.days_missed
            ),
        ))
    return OutreachContent(
        kind="correction" if carrier.kind == "correction" else carrier.rule_id,
        rule_id=carrier.rule_id,
        language=carrier.language,
        children=tuple(children),
        recipient=Recipient(
            name=f"{recipient.first_name} {recipient.last_name}".strip() if recipient else "",
            address_lines=tuple((recipient.address or "").splitlines()) if recipient else (),
        ),
        letterhead=Letterhead(
            district_name=settings.district_name,
            address_lines=tuple(settings.address_lines),
            phone=settings.phone,
            email=settings.email,
            signer=settings.signer,
        ),
        date=today,
        school_year=carrier.school_year,
    )


async def render(
    session: AsyncSession, *, templates: Templates, content: OutreachContent, channel: str, district_id: str
) -> Rendered:
    """Rendered with the district's own template where it has one."""
    source = await districts.template(session, district_id, content.kind, channel, content.language)
    return await templates.render(content=content, channel=channel, source=source)


def stored(content: OutreachContent, rendered: Rendered) -> dict[str, Any]:
    """What is kept on the item: the exact words sent, and what they were made from."""
    return {
        "subject": rendered.subject,
        "body": rendered.body,
        "context": _content.dump_python(content, mode="json"),
    }


def restored(kept: dict[str, Any]) -> tuple[OutreachContent, Rendered]:
    return _content.validate_python(kept["context"]), Rendered(subject=kept["subject"], body=kept["body"])
