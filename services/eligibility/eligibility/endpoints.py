"""The eligibility API: a student's summary, students by rule state, the district's playbook and rebuilds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask

from rollcall_shared.auth import ANY_READER, OPERATOR, STAFF_OR_READER
from rollcall_shared.clock import Now
from rollcall_shared.events import school_year_of
from rollcall_shared.pagination import Paged, decode, encode
from rollcall_shared.problems import PROBLEM_RESPONSES, Problem
from rollcall_shared.service import Runtime, Session, runtime
from rollcall_shared.tenancy import DistrictId

from eligibility import repository
from eligibility.models import Rebuild
from eligibility.playbook import Playbook, RuleId
from eligibility.rebuild import preview
from eligibility.rebuild_jobs import RebuildJobs, RebuildRunning, queue_rebuild
from eligibility.rules import RuleState
from eligibility.schemas import RebuildJob, RebuildReport, RebuildRequest, RuleChange, StudentPage, StudentSummary

router = APIRouter(prefix="/v1/districts/{district_id}", tags=["eligibility"])

FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DAY, LAST_DAY = date(FIRST_YEAR - 1, 7, 1), date(LAST_YEAR, 6, 30)
"""The school years the API answers for, and their days: a date past them is refused, never a 500."""

SchoolYear = Annotated[
    int | None,
    Query(alias="schoolYear", ge=FIRST_YEAR, le=LAST_YEAR,
          description="named by the year it ends in; default: the current one"),
]


def day_query(description: str, **options: Any) -> Any:
    """A date query parameter (YYYY-MM-DD) within the school years the API answers for."""
    return Query(ge=FIRST_DAY, le=LAST_DAY, description=f"{description} (YYYY-MM-DD, {FIRST_DAY} to {LAST_DAY})",
                 **options)  # fmt: skip


@router.get(
    "/students/{student_id}/summary",
    dependencies=[STAFF_OR_READER],
    response_model=StudentSummary,
    response_model_by_alias=True,
)
async def student_summary(
    district_id: DistrictId, student_id: str, session: Session, clock: Now, school_year: SchoolYear = None
) -> StudentSummary:
    """A student's counts and the state of every rule for one school year."""
    year = school_year or school_year_of(clock.today())
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
    page: Paged,
    clock: Now,
    school_year: SchoolYear = None,
    rule: Annotated[RuleId | None, Query(description="a rule id, e.g. chronic")] = None,
    state: Annotated[RuleState | None, Query(description="below or crossed; needs rule")] = None,
) -> StudentPage:
    """The students of a school year, optionally only those in one rule state, in student id order."""
    if (rule is None) != (state is None):
        raise Problem(400, "Invalid request", "rule and state go together, e.g. ?rule=chronic&state=crossed")
    year = school_year or school_year_of(clock.today())
    ids = await repository.students_by_rule_state(session, district_id, year, rule, state, page)
    shown, following = page.page(ids, key=lambda student_id: student_id)
    return StudentPage(items=await _summaries(session, district_id, year, shown), next=following)


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
    response_model=None,
    responses={
        200: {"model": RebuildReport, "description": "A dry run: a page of students and what would change"},
        202: {"model": RebuildJob, "description": "A rebuild job, queued; `Location` is where to follow it"},
        409: PROBLEM_RESPONSES["4XX"] | {"description": "A rebuild of the district is running: the problem names it"},
    },
)
async def rebuild_school_year(
    district_id: DistrictId, request: RebuildRequest, session: Session, rt: Annotated[Runtime, Depends(runtime)]
) -> JSONResponse:
    """Evaluate a school year again under the playbook as it is now: a dry run lists what would cross and clear,
    a page of students at a time; `apply` queues a job that emits it, in chunks, in the background."""
    if not request.apply:
        return JSONResponse(jsonable_encoder(await _dry_run(session, district_id, request), by_alias=True))
    if request.cursor is not None:
        raise Problem(400, "Invalid request", "cursor: pages a dry run; a rebuild that applies evaluates every student")
    try:
        job = await queue_rebuild(session, district_id=district_id, school_year=request.school_year)
    except RebuildRunning as running:
        if running.job is None:  # queued by another request a moment ago: name it
            async with rt.database.transaction() as other:
                running.job = await repository.unfinished_rebuild(other, district_id)
        raise _running(running.job) from None
    jobs: RebuildJobs = rt.services["rebuilds"]
    return JSONResponse(
        jsonable_encoder(RebuildJob.model_validate(job, from_attributes=True), by_alias=True),
        status_code=202,
        headers={"Location": _job_path(job)},
        background=BackgroundTask(jobs.wake),  # runs once the request's transaction has committed
    )


@router.get(
    "/rebuilds/{rebuild_id}",
    dependencies=[OPERATOR],
    response_model=RebuildJob,
    response_model_by_alias=True,
)
async def rebuild_job(district_id: DistrictId, rebuild_id: int, session: Session) -> RebuildJob:
    """A rebuild job's status and progress."""
    if (job := await repository.rebuild_of(session, district_id, rebuild_id)) is None:
        raise Problem(404, "Not found", f"no rebuild {rebuild_id} in this district")
    return RebuildJob.model_validate(job, from_attributes=True)


async def _dry_run(session: AsyncSession, district_id: str, request: RebuildRequest) -> RebuildReport:
    ids, changes, last = await preview(session, district_id=district_id, school_year=request.school_year,
                                       after=decode(request.cursor), limit=request.limit,
                                       now=datetime.now(UTC))  # fmt: skip
    crossed = sum(change.type == "threshold.crossed" for change in changes)
    return RebuildReport(
        district_id=district_id,
        school_year=request.school_year,
        students=len(ids),
        crossed=crossed,
        cleared=len(changes) - crossed,
        changes=[
            RuleChange(student_id=c.student_id, rule_id=c.rule_id, tier=c.tier, type=c.type, metrics=c.metrics)
            for c in changes
        ],
        next=encode(last) if last is not None else None,
    )


def _job_path(job: Rebuild | None) -> str:
    return f"/v1/districts/{job.district_id}/rebuilds/{job.id}" if job is not None else ""


def _running(job: Rebuild | None) -> Problem:
    what = f"rebuild {job.id} of school year {job.school_year} is {job.status}" if job else "a rebuild was just queued"
    return Problem(409, "Conflict", f"{what} for this district: one at a time; follow it at {_job_path(job)}",
                   rebuild=_job_path(job) or None)  # fmt: skip


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
