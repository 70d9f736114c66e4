"""The eligibility API: a student's summary, students by rule state, the district's playbook and rebuilds."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.auth import ANY_READER, OPERATOR, STAFF_OR_READER
from rollcall_shared.events import school_year_of
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from eligibility import repository
from eligibility.rebuild import rebuild
from eligibility.playbook import Playbook, RuleId
from eligibility.rules import RuleState
from eligibility.schemas import RebuildReport, RebuildRequest, RuleChange, StudentPage, StudentSummary

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["eligibility"])

SchoolYear = Annotated[
    int | None,
    Query(alias="schoolYear", ge=1900, le=2200, description="named by the year it ends in; default: the current one"),
]


@router.get(
    "/students/{student_id}/summary",
    dependencies=[STAFF_OR_READER],
    response_model=StudentSummary,
    response_model_by_alias=True,
)
async def student_summary(
    district_id: DistrictId, student_id: str, session: Session, school_year: SchoolYear = None
) -> StudentSummary:
    """A student's counts and the state of every rule for one school year."""
    year = school_year or school_year_of(date.today())
    summaries = await _summaries(session, district_id, year, [student_id])
    if not summaries:
        raise Problem(404, "Not found", f"no attendance is known for student {student_id} in school year {year}")
    return summaries[0]


@router.get(
    "/students",
    dependencies=[STAFF_OR_READER],
    response_model=StudentPage,
    response_model_by_alias=True,
)
async def students(
    district_id: DistrictId,
    session: Session,
    school_year: SchoolYear = None,
    rule: Annotated[RuleId | None, Query(description="a rule id, e.g. chronic")] = None,
    state: Annotated[RuleState | None, Query(description="below or crossed; needs rule")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
) -> StudentPage:
    """The students of a school year, optionally only those in one rule state, in student id order."""
    if (rule is None) != (state is None):
        raise Problem(400, "Invalid request", "rule and state go together, e.g. ?rule=chronic&state=crossed")
    year = school_year or school_year_of(date.today())
    after = _decode(cursor)
    ids = await repository.students_by_rule_state(session, district_id, year, rule, state, after, limit + 1)
    page = await _summaries(session, district_id, year, ids[:limit])
    return StudentPage(items=page, next=_encode(ids[limit - 1]) if len(ids) > limit else None)


@router.get(
    "/playbook",
    dependencies=[ANY_READER],
    response_model=Playbook,
    response_model_by_alias=True,
)
async def get_playbook(district_id: DistrictId, session: Session) -> Playbook:
    """The district's thresholds and excused reasons (the default playbook until one is set)."""
    return await repository.playbook_of(session, district_id)


@router.put(
    "/playbook",
    dependencies=[OPERATOR],
    response_model=Playbook,
    response_model_by_alias=True,
)
async def put_playbook(district_id: DistrictId, playbook: Playbook, session: Session) -> Playbook:
    """Set the district's playbook; it applies from the next change of each student (or a rebuild)."""
    await repository.save_playbook(session, district_id, playbook)
    return playbook


@router.post(
    "/rebuilds",
    dependencies=[OPERATOR],
    response_model=RebuildReport,
    response_model_by_alias=True,
)
async def rebuild_school_year(district_id: DistrictId, request: RebuildRequest, session: Session) -> RebuildReport:
    """Evaluate a school year again under the playbook as it is now: what would cross and clear, emitted if `apply`."""
    students, changes = await rebuild(
        session, district_id=district_id, school_year=request.school_year, apply=request.apply, now=datetime.now(UTC)
    )
    crossed = sum(change.type == "threshold.crossed" for change in changes)
    return RebuildReport(
        district_id=district_id,
        school_year=request.school_year,
        applied=request.apply,
        students=students,
        crossed=crossed,
        cleared=len(changes) - crossed,
        changes=[
            RuleChange(student_id=c.student_id, rule_id=c.rule_id, tier=c.tier, type=c.type, metrics=c.metrics)
            for c in changes
        ],
    )


async def _summaries(session: AsyncSession, district_id: str, year: int, ids: list[str]) -> list[StudentSummary]:
    rows = await repository.student_years(session, district_id, year, ids)
    crossed = await repository.crossed_rules(session, district_id, year, ids)
    by_id = {row.student_id: row for row in rows}
    return [
        StudentSummary(
            district_id=district_id,
            student_id=student_id,
            school_year=year,
            absent_days=row.absent_days,
            truant_days=row.truant_days,
            unexcused_period_absences=row.unexcused_period_absences,
            enrolled_days=row.enrolled_days,
            absence_rate=row.absence_rate,
            rules={
                rule.value: (RuleState.CROSSED if rule.value in crossed.get(student_id, ()) else RuleState.BELOW).value
                for rule in RuleId
            },
        )
        for student_id in ids
        if (row := by_id.get(student_id)) is not None
    ]


def _encode(student_id: str) -> str:
    return base64.urlsafe_b64encode(student_id.encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError as error:
        raise Problem(400, "Invalid request", "cursor: not a cursor this API gave") from error
