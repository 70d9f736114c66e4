"""Cases from crossings and clearings, and the changes staff make; each change audited and published."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import ThresholdChanged, deterministic_id

from plans.cases import repository
from plans.cases.models import Case, CaseEntry, CaseReason
from plans.cases.rules import Action, Kind, OpenCase, on_cleared, on_crossed
from plans.publishers import publish_case_change
from plans.staff.repository import lightest_caseload

log = logging.getLogger(__name__)

SYSTEM = "system"


@dataclass(frozen=True)
class Caseworker:
    """Applies threshold changes to cases; holds the service-wide defaults."""

    follow_up_days: int

    async def apply(
        self, session: AsyncSession, *, changes: list[ThresholdChanged], now: datetime, today: date
    ) -> None:
        """`today`: the date where the district is, for follow-up dates."""
        for change in changes:
            case = await repository.open_case(session, change.district_id, change.student_id)
            state = await state_of(session, case)
            if change.type == "threshold.crossed":
                await self._crossed(session, change, case, state, now, today)
            else:
                await self._cleared(session, change, case, state, now)

    async def _crossed(
        self, session: AsyncSession, change: ThresholdChanged, case: Case | None, state: OpenCase | None, now: datetime,
        today: date,
    ) -> None:  # fmt: skip
        decision = on_crossed(state, change.rule_id)
        if decision.action is Action.NONE:
            return
        if decision.action is Action.OPEN:
            await self.open(
                session, district_id=change.district_id, student_id=change.student_id, school_id=change.school_id,
                school_year=change.school_year, kind=decision.kind, tier=decision.tier, rule_id=change.rule_id,
                cause=change.event_id, actor=SYSTEM, now=now, today=today,
            )  # fmt: skip
            return
        assert case is not None and state is not None
        if change.rule_id in state.reasons and state.reasons[change.rule_id]:
            return  # a second crossing of a reason that still stands changes nothing
        await _add_reason(session, case, change.rule_id, change.event_id, now)
        if decision.action is Action.ESCALATE:
            previous = case.tier
            case.kind, case.tier = decision.kind, decision.tier
            what = f"escalated from tier {previous} to {case.tier} by {change.rule_id}"
            await record(session, case, "case.escalated", what, change.event_id, SYSTEM, now, {"ruleId": change.rule_id})
        else:
            await record(session, case, "case.updated", f"reason {change.rule_id} added", change.event_id, SYSTEM, now,
                         {"ruleId": change.rule_id})  # fmt: skip

    async def _cleared(
        self, session: AsyncSession, change: ThresholdChanged, case: Case | None, state: OpenCase | None, now: datetime
    ) -> None:
        decision = on_cleared(state, change.rule_id)
        if decision.action is Action.NONE:
            return
        assert case is not None
        for reason in await repository.reasons(session, case.case_id):
            if reason.rule_id == change.rule_id:
                reason.standing = False
        if decision.action is Action.CLOSE_IN_ERROR:
            await close(session, case, outcome="opened-in-error", cause=change.event_id, actor=SYSTEM, now=now,
                        why=f"{change.rule_id} cleared before anything was done")  # fmt: skip
        else:
            await record(session, case, "case.updated", f"reason {change.rule_id} cleared", change.event_id, SYSTEM, now,
                         {"ruleId": change.rule_id})  # fmt: skip

    async def open(
        self,
        session: AsyncSession,
        *,
        district_id: str,
        student_id: str,
        school_id: str,
        school_year: int,
        kind: Kind,
        tier: int,
        rule_id: str | None,
        cause: str,
        actor: str,
        now: datetime,
        today: date,
    ) -> Case:
        """A new case, owned by the school team's member with the lightest open caseload."""
        number = await repository.cases_of_student(session, district_id, student_id) + 1
        case = Case(
            case_id=deterministic_id(district_id, "case", student_id, number),
            district_id=district_id, student_id=student_id, school_id=school_id, school_year=school_year,
            kind=kind.value, tier=tier, status="open",
            owner_id=await lightest_caseload(session, district_id, school_id),
            follow_up_due=today + timedelta(days=self.follow_up_days),
            acted_on=False, opened_at=now, closed_at=None, outcome=None, updated_at=now,
        )  # fmt: skip
        session.add(case)
        if rule_id is not None:
            await _add_reason(session, case, rule_id, cause, now)
        await record(session, case, "case.opened", f"opened as {kind.value}, tier {tier}", cause, actor, now,
                     {"ruleId": rule_id, "ownerId": case.owner_id})  # fmt: skip
        return case


async def close(
    session: AsyncSession, case: Case, *, outcome: str, cause: str, actor: str, now: datetime, why: str
) -> None:
    case.status, case.outcome, case.closed_at, case.proposed_outcome = "closed", outcome, now, None
    await record(session, case, "case.closed", f"closed: {outcome}", cause, actor, now, {"outcome": outcome, "why": why})


async def record(
    session: AsyncSession,
    case: Case,
    event_type: str,
    change: str,
    cause: str,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    """Audit the change on the case's timeline and publish it on `plans.cases.v1`."""
    log.info("%s %s: %s", event_type, case.case_id, change)  # `change` names rules and counts, never a person
    case.updated_at = now
    session.add(CaseEntry(case_id=case.case_id, at=now, actor=actor, what=event_type, detail={"change": change, **detail}))
    await session.flush()
    reasons = (await repository.reasons_of(session, [case.case_id]))[case.case_id]
    await publish_case_change(session, case=case, reasons=reasons, event_type=event_type, change=change, cause=cause, now=now)


async def _add_reason(session: AsyncSession, case: Case, rule_id: str, cause: str, now: datetime) -> None:
    existing = {reason.rule_id: reason for reason in await repository.reasons(session, case.case_id)}
    if rule_id in existing:
        existing[rule_id].standing, existing[rule_id].crossing_event_id = True, cause
    else:
        session.add(CaseReason(case_id=case.case_id, rule_id=rule_id, standing=True, crossing_event_id=cause, added_at=now))
    await session.flush()


async def state_of(session: AsyncSession, case: Case | None) -> OpenCase | None:
    if case is None:
        return None
    reasons = await repository.reasons(session, case.case_id)
    return OpenCase(
        kind=Kind(case.kind), tier=case.tier, reasons={r.rule_id: r.standing for r in reasons}, acted_on=case.acted_on
    )
