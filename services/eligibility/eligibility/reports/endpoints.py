"""The reports API: attendance by school, grade and group on any date, its monthly trend, a CSV and a board PDF."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from rollcall_shared.auth import STAFF_OR_READER
from rollcall_shared.clock import Now
from rollcall_shared.events import school_year_of
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

from eligibility.endpoints import SchoolYear, day_query
from eligibility.reports.anonymized import report_csv
from eligibility.reports.figures import STUDENT_GROUPS, Dimension
from eligibility.reports.pdf import board_report_pdf
from eligibility.reports.schemas import AttendanceReport, AttendanceTrend
from eligibility.reports.service import attendance_report, attendance_trend, board_report

router = APIRouter(prefix="/v1/districts/{district_id}/reports", tags=["reports"], dependencies=[STAFF_OR_READER])

AsOf = Annotated[
    date | None, day_query("the picture on this day; default: today, or the year's last day", alias="asOf")
]
GroupBy = Annotated[
    list[str],
    Query(alias="groupBy", description="school, grade and at most one of " + ", ".join(STUDENT_GROUPS)
          + "; repeat it or separate with commas; none: the district only"),
]  # fmt: skip


def when(clock: Now, school_year: SchoolYear = None, as_of: AsOf = None) -> tuple[int, date]:
    """The school year and the day of the picture, checked: a day of that school year, not after today."""
    today = clock.today()
    year = school_year or school_year_of(as_of or today)
    first, last = date(year - 1, 7, 1), date(year, 6, 30)
    day = as_of or min(today, last)
    if day > today:
        raise Problem(400, "Invalid request", f"asOf: {day} is in the future")
    if not first <= day <= last:
        raise Problem(400, "Invalid request", f"asOf: {day} is not in school year {year} ({first} to {last})")
    return year, day


def dimensions(group_by: GroupBy = []) -> list[Dimension]:  # noqa: B006 (FastAPI copies defaults)
    """The dimensions asked for, in the order school, grade, group."""
    asked = {part.strip() for value in group_by for part in value.split(",") if part.strip()}
    if unknown := sorted(asked - set(Dimension)):
        raise Problem(400, "Invalid request", f"groupBy: {', '.join(unknown)} is no dimension; one of {', '.join(Dimension)}")
    if len(groups := [group for group in STUDENT_GROUPS if group in asked]) > 1:
        raise Problem(400, "Invalid request", f"groupBy: one student group at a time, not {' and '.join(groups)}")
    return [dimension for dimension in Dimension if dimension in asked]


When = Annotated[tuple[int, date], Depends(when)]
Dimensions = Annotated[list[Dimension], Depends(dimensions)]


@router.get("/attendance", response_model=AttendanceReport, response_model_by_alias=True)
async def attendance(
    district_id: DistrictId,
    session: Session,
    picture: When,
    by: Dimensions,
    suppress: Annotated[bool, Query(description="withhold small cells as for publication")] = False,
) -> AttendanceReport:
    """Students counted, average attendance rate and the share in each band, per cell of the dimensions and for the
    district, as of a day."""
    year, day = picture
    return await attendance_report(session, district_id=district_id, school_year=year, as_of=day, dimensions=by,
                                   suppress=suppress)  # fmt: skip


@router.get("/attendance/trend", response_model=AttendanceTrend, response_model_by_alias=True)
async def trend(
    district_id: DistrictId,
    session: Session,
    clock: Now,
    school_year: SchoolYear = None,
    suppress: Annotated[bool, Query(description="withhold small cells as for publication")] = False,
) -> AttendanceTrend:
    """The same figures for the district and each school at the end of each month, through the last closed day."""
    today = clock.today()
    return await attendance_trend(session, district_id=district_id, school_year=school_year or school_year_of(today),
                                  through=today, suppress=suppress)  # fmt: skip


@router.get("/attendance.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def attendance_csv(district_id: DistrictId, session: Session, picture: When, by: Dimensions) -> Response:
    """The report for community partners: aggregate rows only, always suppressed, withheld figures empty."""
    year, day = picture
    report = await attendance_report(session, district_id=district_id, school_year=year, as_of=day, dimensions=by,
                                     suppress=True)  # fmt: skip
    return Response(report_csv(report), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="attendance-{year}-{day}.csv"'})  # fmt: skip


@router.get("/board.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def board_pdf(
    district_id: DistrictId,
    session: Session,
    picture: When,
    group: Annotated[str, Query(description="the student group charted: " + ", ".join(STUDENT_GROUPS))] = "raceEthnicity",
) -> Response:
    """The board report: the district's figures, the monthly trend, bands by school and by a group, all suppressed."""
    if group not in STUDENT_GROUPS:
        raise Problem(400, "Invalid request", f"group: {group} is no student group; one of {', '.join(STUDENT_GROUPS)}")
    year, day = picture
    board = await board_report(session, district_id=district_id, school_year=year, as_of=day, group=Dimension(group))
    pdf = await asyncio.to_thread(board_report_pdf, board)  # charts and layout: seconds of CPU, off the event loop
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="board-report-{year}-{day}.pdf"'})  # fmt: skip
