"""Threshold and outreach events kept as each student's history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import OutreachStatusChanged, ThresholdChanged

from plans.history.models import OutreachEntry, ThresholdEntry


def keep_thresholds(session: AsyncSession, *, changes: list[ThresholdChanged]) -> None:
    """Every change, of every rule: a referral shows the Tier 1 letters that came before the case."""
    session.add_all(
        ThresholdEntry(
            event_id=c.event_id, district_id=c.district_id, student_id=c.student_id, school_id=c.school_id,
            school_year=c.school_year, type=c.type, rule_id=c.rule_id, tier=c.tier,
            metrics=c.metrics.model_dump(mode="json", by_alias=True), occurred_at=c.occurred_at,
        )
        for c in changes
    )  # fmt: skip


def keep_outreach(session: AsyncSession, *, changes: list[OutreachStatusChanged]) -> None:
    session.add_all(
        OutreachEntry(
            event_id=c.event_id, district_id=c.district_id, student_id=c.student_id, outreach_id=c.outreach_id,
            rule_id=c.rule_id,
            crossing_event_id=c.crossing_event_id, channel=c.channel, kind=c.kind, language=c.language,
            status=c.status, reason=c.reason, updated_at=c.updated_at,
        )
        for c in changes
    )  # fmt: skip
