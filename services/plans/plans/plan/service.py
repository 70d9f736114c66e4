"""Recording a plan on an open case, and reviewing its goal on the attendance; each change audited and published."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.events import school_year_of

from plans.attendance import repository as attendance
from plans.attendance.days import StudentDays, school_year_span
from plans.cases.models import Case
from plans.cases.rules import Action, on_goal_met, on_goal_missed
from plans.cases.service import SYSTEM, record, state_of
from plans.plan import repository
from plans.plan.goal import GoalStatus, Progress, Terms, progress
from plans.plan.models import PlanAcknowledgement, PlanBarrier, PlanGoal, PlanIntervention, PlanMeeting, PlanNote
from plans.plan.schemas import (
    Acknowledgement, Barrier, Goal, Intervention, InterventionChange, Meeting, NewAcknowledgement, NewGoal,
    NewIntervention, NewMeeting, NewNote, Note, Plan,
)  # fmt: skip


async def add_barriers(session: AsyncSession, *, case: Case, codes: list[str], staff_id: str, now: datetime) -> None:
    """Barriers already on the plan stay as first recorded."""
    known = {row.code for row in await repository.rows(session, PlanBarrier, case.case_id)}
    new = sorted(set(codes) - known)
    session.add_all(PlanBarrier(case_id=case.case_id, code=code, recorded_by=staff_id, recorded_at=now) for code in new)
    await _acted(session, case, f"{len(new)} barrier(s) recorded", staff_id, now, {"barriers": new})


async def set_goal(session: AsyncSession, *, case: Case, goal: NewGoal, now: datetime, today: date) -> PlanGoal:
    """A new goal replaces the plan's goal (the old one stays on the timeline); the follow-up moves to its review."""
    fields = {"max_absences": goal.max_absences, "school_days": goal.school_days, "start_date": goal.start_date}
    row = await session.merge(PlanGoal(
        case_id=case.case_id, recorded_by=goal.staff_id, recorded_at=now, outcome=None, reviewed_on=None,
        absences=None, off_track_on=None, **fields,
    ))  # fmt: skip
    expected = progress(terms_of(row), await goal_days(session, case, row))
    case.proposed_outcome, case.follow_up_due = None, expected.review_on
    detail = {**fields, "start_date": goal.start_date.isoformat(), "reviewOn": expected.review_on.isoformat()}
    await _acted(session, case, "goal set", goal.staff_id, now, detail)
    await review(session, case=case, goal=row, now=now, today=today)
    return row


async def review_goals(
    session: AsyncSession, *, students: Collection[tuple[str, str]], now: datetime, today: date
) -> None:
    """The undecided goals of these students' open cases, measured again after their attendance moved on."""
    by_district: dict[str, list[str]] = defaultdict(list)
    for district_id, student_id in students:
        by_district[district_id].append(student_id)
    for district_id, student_ids in by_district.items():
        for case, goal in await repository.undecided_goals(session, district_id, student_ids):
            await review(session, case=case, goal=goal, now=now, today=today)


async def review(session: AsyncSession, *, case: Case, goal: PlanGoal, now: datetime, today: date) -> Progress:
    """Flag a goal gone off track once; at the end of its window, propose closing (met) or escalate (missed).

    `today` is the date where the district is (the service's clock), for the dates staff see."""
    terms = terms_of(goal)
    found = progress(terms, await goal_days(session, case, goal))
    if goal.outcome is not None or case.status != "open":
        return found
    cause = f"goal:{case.case_id}:{goal.recorded_at.isoformat()}:{found.status}"
    detail = {"goal": found.status.value, "absences": found.absences, "schoolDays": found.school_days}
    if found.status is GoalStatus.OFF_TRACK and goal.off_track_on is None:
        goal.off_track_on = today
        case.follow_up_due = min(case.follow_up_due or today, today)
        await record(session, case, "case.updated", f"goal off track: {found.describe(terms)}", cause, SYSTEM, now, detail)
        return found
    if not found.decided:
        return found
    goal.outcome, goal.reviewed_on, goal.absences = found.status.value, found.review_on, found.absences
    case.follow_up_due = today
    state = await state_of(session, case)
    decision = on_goal_met(state) if found.status is GoalStatus.MET else on_goal_missed(state)
    verdict = f"goal {found.status}: {found.describe(terms)}"
    if decision.action is Action.PROPOSE_CLOSING:
        case.proposed_outcome = "goal-met"
        await record(session, case, "case.updated", f"{verdict}; proposed for closing as goal-met", cause, SYSTEM, now,
                     detail)  # fmt: skip
    elif decision.action is Action.ESCALATE:
        previous = case.tier
        case.kind, case.tier = decision.kind, decision.tier
        what = f"{verdict}; escalated from tier {previous} to {case.tier}"
        await record(session, case, "case.escalated", what, cause, SYSTEM, now, detail)
    else:
        await record(session, case, "case.updated", f"{verdict}; already at tier {case.tier}", cause, SYSTEM, now, detail)
    return found


async def goal_days(session: AsyncSession, case: Case, goal: PlanGoal) -> StudentDays:
    """The student's school days and records in the school year the goal starts in."""
    first, last = school_year_span(school_year_of(goal.start_date))
    return (await attendance.student_days(session, case.district_id, [case.student_id], first, last))[case.student_id]


async def goal_view(session: AsyncSession, *, case: Case, goal: PlanGoal) -> Goal:
    return Goal.of(goal, progress(terms_of(goal), await goal_days(session, case, goal)))


async def current_plan(session: AsyncSession, *, case: Case) -> Plan:
    """The case's barriers, goal with its progress, interventions, meetings, notes and acknowledgements."""
    goal = await repository.goal(session, case.case_id)
    rows = {model: await repository.rows(session, model, case.case_id) for model in repository.ORDER}
    return Plan(
        case_id=case.case_id,
        barriers=[Barrier.of(row) for row in rows[PlanBarrier]],
        goal=await goal_view(session, case=case, goal=goal) if goal is not None else None,
        interventions=[Intervention.of(row) for row in rows[PlanIntervention]],
        meetings=[Meeting.model_validate(row) for row in rows[PlanMeeting]],
        notes=[Note.model_validate(row) for row in rows[PlanNote]],
        acknowledgements=[Acknowledgement.model_validate(row) for row in rows[PlanAcknowledgement]],
    )


def terms_of(goal: PlanGoal) -> Terms:
    return Terms(max_absences=goal.max_absences, school_days=goal.school_days, start_date=goal.start_date)


async def add_intervention(session: AsyncSession, *, case: Case, new: NewIntervention, now: datetime) -> PlanIntervention:
    row = PlanIntervention(
        case_id=case.case_id, code=new.code, owner_id=new.owner_id, start_date=new.start_date, end_date=new.end_date,
        status=new.status, recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    detail = {"interventionId": row.intervention_id, "code": row.code, "ownerId": row.owner_id, "status": row.status,
              "startDate": row.start_date.isoformat()}  # fmt: skip
    await _acted(session, case, f"intervention {row.intervention_id} {row.status}", new.staff_id, now, detail)
    return row


async def change_intervention(
    session: AsyncSession, *, case: Case, row: PlanIntervention, change: InterventionChange, now: datetime
) -> None:
    if change.status is not None:
        row.status = change.status
    if change.end_date is not None:
        row.end_date = change.end_date
    detail = {"interventionId": row.intervention_id, "status": row.status, "endDate": str(row.end_date)}
    await _acted(session, case, f"intervention {row.intervention_id} {row.status}", change.staff_id, now, detail)


async def add_meeting(session: AsyncSession, *, case: Case, new: NewMeeting, now: datetime) -> PlanMeeting:
    row = PlanMeeting(
        case_id=case.case_id, held_on=new.held_on, staff_ids=sorted(set(new.staff_ids)), family_members=new.family_members,
        family_attended=new.family_attended, notes=new.notes, recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    family = "with the family" if new.family_attended else "without the family"
    detail = {"meetingId": row.meeting_id, "heldOn": new.held_on.isoformat(), "familyAttended": new.family_attended}
    await _acted(session, case, f"meeting recorded, {family}", new.staff_id, now, detail)
    return row


async def add_note(session: AsyncSession, *, case: Case, new: NewNote, now: datetime) -> PlanNote:
    row = PlanNote(case_id=case.case_id, text=new.text, recorded_by=new.staff_id, recorded_at=now)
    session.add(row)
    await session.flush()
    await _acted(session, case, "note added", new.staff_id, now, {"noteId": row.note_id})
    return row


async def add_acknowledgement(
    session: AsyncSession, *, case: Case, new: NewAcknowledgement, now: datetime
) -> PlanAcknowledgement:
    row = PlanAcknowledgement(
        case_id=case.case_id, acknowledged_on=new.acknowledged_on, acknowledged_by=new.acknowledged_by, how=new.how,
        recorded_by=new.staff_id, recorded_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    detail = {"acknowledgementId": row.acknowledgement_id, "how": new.how,
              "acknowledgedOn": new.acknowledged_on.isoformat()}  # fmt: skip
    await _acted(session, case, f"plan acknowledged by the family ({new.how})", new.staff_id, now, detail)
    return row


async def _acted(session: AsyncSession, case: Case, change: str, staff_id: str, now: datetime, detail: dict[str, Any]) -> None:
    # `change` and `detail` carry codes and ids only: free text about the family stays in the plan's tables.
    case.acted_on = True
    await record(session, case, "case.updated", change, f"staff:{staff_id}:{now.isoformat()}", staff_id, now, detail)
