"""The school API: a school's attendance against the district's target, and a campaign's before and after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from rollcall_shared.auth import STAFF_OR_READER
from rollcall_shared.clock import Now
from rollcall_shared.events import school_year_of
from rollcall_shared.problems import Problem
from rollcall_shared.schemas import Camel
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from eligibility import repository, schools
from eligibility.endpoints import SchoolYear, day_query
from eligibility.rules import RATE_DECIMALS

router = APIRouter(prefix="/v1/districts/{district_id}/schools/{school_id}", tags=["schools"])


class AttendanceTarget(Camel):
    district_id: str
    school_id: str
    school_year: int
    state: Literal["below", "met"]
    attendance_rate: float | None
    """Days attended over days enrolled, all the school's students, over the window at its last review."""
    first_day: date | None
    last_day: date | None
    target: float
    window_days: int
    """The district's playbook now (`schoolAttendanceTarget`, `schoolTargetDays`)."""
    dips: int
    recoveries: int
    changed_at: datetime
    """When the state last changed (or the school was first reviewed)."""


class Span(Camel):
    first_day: date | None
    last_day: date | None
    days: int
    """The span's closed instructional days (fewer than asked where the school year or the closed days end)."""
    enrolled_days: int
    attended_days: int
    attendance_rate: float | None
    """Null without enrolled days."""


class CampaignReport(Camel):
    district_id: str
    school_id: str
    start: date
    end: date
    days: int
    closed_through: date | None
    before: Span
    """The `days` closed instructional days before `start`, in its school year."""
    during: Span
    """The closed instructional days from `start` through `end`."""
    after: Span
    """The `days` closed instructional days after `end`, in its school year."""
    during_change_points: float | None
    """Attendance during minus before, in percentage points."""
    after_change_points: float | None
    """Attendance after minus before, in percentage points."""


@router.get(
    "/attendance-target",
    dependencies=[STAFF_OR_READER],
    response_model=AttendanceTarget,
    response_model_by_alias=True,
)
async def attendance_target(
    district_id: DistrictId, school_id: str, session: Session, clock: Now, school_year: SchoolYear = None
) -> AttendanceTarget:
    """Whether the school's attendance over its last school days is below the district's target, and its dips."""
    year = school_year or school_year_of(clock.today())
    playbook = await repository.playbook_of(session, district_id)
    row = await schools.school_target(session, (district_id, school_id), year)
    if row is None:
        raise Problem(404, "Not found", f"school {school_id} has no attendance reviewed in school year {year}: "
                      f"that needs {playbook.school_target_days} closed school days")  # fmt: skip
    return AttendanceTarget(
        district_id=district_id,
        school_id=school_id,
        school_year=year,
        state=row.state,
        attendance_rate=row.attendance_rate,
        first_day=row.first_day,
        last_day=row.last_day,
        target=playbook.school_attendance_target,
        window_days=playbook.school_target_days,
        dips=row.dips,
        recoveries=row.recoveries,
        changed_at=row.changed_at,
    )


@router.get(
    "/campaigns/report",
    dependencies=[STAFF_OR_READER],
    response_model=CampaignReport,
    response_model_by_alias=True,
)
async def campaign_report(
    district_id: DistrictId,
    school_id: str,
    session: Session,
    start: Annotated[date, day_query("the campaign's first day")],
    end: Annotated[date, day_query("its last day")],
    days: Annotated[int, Query(ge=1, le=60, description="instructional days compared before and after")] = 10,
) -> CampaignReport:
    """The school's attendance over the school days before a campaign, during it and after it, as far as closed."""
    if end < start:
        raise Problem(400, "Invalid request", f"end: {end} is before start {start}")
    found = await schools.campaign(session, (district_id, school_id), start=start, end=end, count=days)
    before, during, after = (_span(span) for span in (found.before, found.during, found.after))
    return CampaignReport(
        district_id=district_id,
        school_id=school_id,
        start=start,
        end=end,
        days=days,
        closed_through=found.as_of,
        before=before,
        during=during,
        after=after,
        during_change_points=_points(found.during, found.before),
        after_change_points=_points(found.after, found.before),
    )


def _span(attendance: schools.Attendance) -> Span:
    return Span(
        first_day=attendance.days[0] if attendance.days else None,
        last_day=attendance.days[-1] if attendance.days else None,
        days=len(attendance.days),
        enrolled_days=attendance.enrolled,
        attended_days=attendance.attended,
        attendance_rate=round(attendance.rate, RATE_DECIMALS) if attendance.rate is not None else None,
    )


def _points(later: schools.Attendance, earlier: schools.Attendance) -> float | None:
    if later.rate is None or earlier.rate is None:
        return None
    return round((later.rate - earlier.rate) * 100, 2)
