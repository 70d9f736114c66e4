"""A case's record assembled: the school year's attendance, thresholds, outreach and every change, in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import AttendanceCategory

from plans.attendance import repository as attendance
from plans.attendance.days import Record, StudentDays, school_year_span
from plans.cases import repository as cases
from plans.cases.models import Case, CaseEntry
from plans.cases.schemas import CaseView
from plans.export.schemas import AttendanceSummary, CaseRecord, Happening
from plans.history import repository as history
from plans.history.models import OutreachEntry, ThresholdEntry
from plans.plan.service import current_plan

CHANNELS = {"letter": "Letter", "email": "Email", "sms": "Text message"}
PARTIAL = {AttendanceCategory.TARDY.value, AttendanceCategory.EARLY_DEPARTURE.value, AttendanceCategory.PARTIAL.value}


async def case_record(session: AsyncSession, *, case: Case, now: datetime) -> CaseRecord:
    first, last = school_year_span(case.school_year)
    days = (await attendance.student_days(session, case.district_id, [case.student_id], first, last))[case.student_id]
    thresholds = await history.thresholds(session, case.district_id, case.student_id, case.school_year)
    outreach = await history.outreach(session, case.district_id, case.student_id, case.school_year)
    reasons = await cases.reasons(session, case.case_id)
    chronology = [
        *(_day(record) for record in days.records),
        *(_threshold(entry) for entry in thresholds),
        *(_outreach(entry) for entry in outreach),
        *(_change(entry) for entry in await cases.timeline(session, case.case_id)),
    ]
    chronology.sort(key=lambda h: (h.on, h.at is not None, h.at or h.on))
    return CaseRecord(
        generated_at=now,
        district_id=case.district_id,
        school_year=case.school_year,
        case=CaseView.of(case, [reason.rule_id for reason in reasons]),
        standing_reasons=[reason.rule_id for reason in reasons if reason.standing],
        summary=_summary(days, thresholds[-1].metrics if thresholds else None),
        plan=await current_plan(session, case=case),
        chronology=chronology,
    )


def _summary(days: StudentDays, latest_metrics: dict | None) -> AttendanceSummary:
    school_days = set(days.school_days)
    on_school_days = [record for record in days.records if record.day in school_days]
    return AttendanceSummary(
        school_days=len(days.school_days),
        absences=days.absences(days.school_days),
        unexcused_absences=sum(r.category == AttendanceCategory.UNEXCUSED_ABSENCE.value for r in on_school_days),
        partial_days=sum(r.category in PARTIAL for r in on_school_days),
        attendance_rate=round(rate, 4) if (rate := days.attendance_rate(days.school_days)) is not None else None,
        latest_metrics=latest_metrics,
    )


def _day(record: Record) -> Happening:
    what = record.category + (f" ({record.minutes} min)" if record.minutes else "")
    detail = {"schoolId": record.school_id, "category": record.category, "minutes": record.minutes}
    return Happening(on=record.day, at=None, source="attendance", what=what, by=None, detail=detail)


def _threshold(entry: ThresholdEntry) -> Happening:
    verb = "crossed" if entry.type == "threshold.crossed" else "cleared"
    return Happening(
        on=entry.occurred_at.date(), at=entry.occurred_at, source="threshold", by=None,
        what=f"{entry.rule_id} {verb} (tier {entry.tier})",
        detail={"ruleId": entry.rule_id, "type": entry.type, "tier": entry.tier, "schoolId": entry.school_id,
                "metrics": entry.metrics},
    )  # fmt: skip


def _outreach(entry: OutreachEntry) -> Happening:
    correction = " (correction)" if entry.kind == "correction" else ""
    reason = f": {entry.reason}" if entry.reason else ""
    return Happening(
        on=entry.updated_at.date(), at=entry.updated_at, source="outreach", by="notifications",
        what=f"{CHANNELS.get(entry.channel, entry.channel)} for {entry.rule_id}{correction} {entry.status}{reason}",
        detail={"outreachId": entry.outreach_id, "ruleId": entry.rule_id, "channel": entry.channel,
                "kind": entry.kind, "status": entry.status, "language": entry.language, "reason": entry.reason},
    )  # fmt: skip


def _change(entry: CaseEntry) -> Happening:
    return Happening(
        on=entry.at.date(), at=entry.at, source="case", by=entry.actor,
        what=entry.detail.get("change") or entry.what, detail={"type": entry.what, **entry.detail},
    )  # fmt: skip
