"""The reports: the district's students counted on each date asked for, tabulated, and suppressed where asked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from eligibility import repository
from eligibility.playbook import Playbook
from eligibility.reports import repository as reports
from eligibility.reports.figures import (
    CountedStudent,
    Dimension,
    Profile,
    count_student,
    figures_of,
    month_ends,
    rate_inputs,
    schools_on,
    tabulate,
)
from eligibility.reports.schemas import AttendanceReport, AttendanceTrend, FigureRow, TrendPoint
from eligibility.reports.suppression import suppressed
from eligibility.rules import SchoolDays
from eligibility.state import StudentKey, StudentState


@dataclass(frozen=True)
class BoardReport:
    """What the board report shows, every figure suppressed."""

    by_school: AttendanceReport
    by_group: AttendanceReport
    trend: AttendanceTrend


async def attendance_report(
    session: AsyncSession, *, district_id: str, school_year: int, as_of: date, dimensions: Sequence[Dimension],
    suppress: bool,
) -> AttendanceReport:  # fmt: skip
    playbook, calendars = await _district(session, district_id)
    counted = await counted_students(session, district_id=district_id, school_year=school_year, dates=[as_of],
                                     calendars=calendars, playbook=playbook)  # fmt: skip
    return _report(district_id, school_year, as_of, counted[as_of], dimensions, playbook, suppress)


async def attendance_trend(
    session: AsyncSession, *, district_id: str, school_year: int, through: date, suppress: bool
) -> AttendanceTrend:
    playbook, calendars = await _district(session, district_id)
    dates = month_ends(calendars, school_year, through)
    counted = await counted_students(session, district_id=district_id, school_year=school_year, dates=dates,
                                     calendars=calendars, playbook=playbook)  # fmt: skip
    return _trend(district_id, school_year, counted, playbook, suppress)


async def board_report(
    session: AsyncSession, *, district_id: str, school_year: int, as_of: date, group: Dimension
) -> BoardReport:
    playbook, calendars = await _district(session, district_id)
    dates = month_ends(calendars, school_year, as_of)
    counted = await counted_students(session, district_id=district_id, school_year=school_year,
                                     dates=sorted({*dates, as_of}), calendars=calendars, playbook=playbook)  # fmt: skip
    on_the_day = counted[as_of]
    return BoardReport(
        by_school=_report(district_id, school_year, as_of, on_the_day, [Dimension.SCHOOL], playbook, True),
        by_group=_report(district_id, school_year, as_of, on_the_day, [group], playbook, True),
        trend=_trend(district_id, school_year, {day: counted[day] for day in dates}, playbook, True),
    )


async def counted_students(
    session: AsyncSession,
    *,
    district_id: str,
    school_year: int,
    dates: Sequence[date],
    calendars: Mapping[str, SchoolDays],
    playbook: Playbook,
) -> dict[date, list[CountedStudent]]:
    """The students counted on each date, from records and enrollments as they now stand, a chunk at a time."""
    counted: dict[date, list[CountedStudent]] = {day: [] for day in dates}
    if not dates:
        return counted
    on = {day: schools_on(calendars, day) for day in dates}
    ids = await reports.students_enrolled(session, district_id, date(school_year - 1, 7, 1), max(dates))
    for start in range(0, len(ids), repository.CHUNK):
        chunk = ids[start : start + repository.CHUNK]
        states = await repository.load_students(session, [(district_id, student_id) for student_id in chunk])
        profiles = await reports.profiles(session, district_id, chunk)
        # counting is CPU work: off the event loop, so consumers and requests of this replica go on meanwhile
        await asyncio.to_thread(_count, counted, states, profiles, school_year=school_year, on=on, playbook=playbook)
    return counted


def _count(
    counted: dict[date, list[CountedStudent]],
    states: Mapping[StudentKey, StudentState],
    profiles: Mapping[str, Profile],
    *,
    school_year: int,
    on: Mapping[date, Mapping[str, SchoolDays]],
    playbook: Playbook,
) -> None:
    """Add the students counted on each date to `counted`."""
    for (_, student_id), state in states.items():
        history, profile = rate_inputs(state.history), profiles.get(student_id, Profile())
        for day, schools in on.items():
            student = count_student(history, profile, school_year=school_year, as_of=day, schools=schools,
                                    playbook=playbook)  # fmt: skip
            if student is not None:
                counted[day].append(student)


def table(
    counted: Sequence[CountedStudent], dimensions: Sequence[Dimension], playbook: Playbook, *, suppress: bool
) -> tuple[list[FigureRow], FigureRow]:
    """A row per cell that has a student, and the district's row; suppressed, figures of hidden cells are withheld."""
    cells = tabulate(counted, dimensions, playbook)
    total = figures_of(counted, playbook)
    minimum = playbook.report_minimum_students
    hidden = suppressed({cell: figures.students for cell, figures in cells.items()}, minimum) if suppress else set()
    rows = [FigureRow.of(dimensions, cell, None if cell in hidden else figures) for cell, figures in cells.items()]
    return rows, FigureRow.of((), (), None if suppress and total.students < minimum else total)


async def _district(session: AsyncSession, district_id: str) -> tuple[Playbook, dict[str, SchoolDays]]:
    return await repository.playbook_of(session, district_id), await reports.school_calendars(session, district_id)


def _report(
    district_id: str, school_year: int, as_of: date, counted: Sequence[CountedStudent],
    dimensions: Sequence[Dimension], playbook: Playbook, suppress: bool,
) -> AttendanceReport:  # fmt: skip
    rows, total = table(counted, dimensions, playbook, suppress=suppress)
    return AttendanceReport(
        district_id=district_id, school_year=school_year, as_of=as_of, group_by=list(dimensions),
        minimum_students=playbook.report_minimum_students, minimum_enrolled_days=playbook.rate_min_enrolled_days,
        suppressed=suppress, rows=rows, total=total,
    )  # fmt: skip


def _trend(
    district_id: str, school_year: int, counted: Mapping[date, Sequence[CountedStudent]], playbook: Playbook,
    suppress: bool,
) -> AttendanceTrend:  # fmt: skip
    months = []
    for day in sorted(counted):
        rows, total = table(counted[day], [Dimension.SCHOOL], playbook, suppress=suppress)
        months.append(TrendPoint(month=f"{day:%Y-%m}", as_of=day, rows=rows, total=total))
    return AttendanceTrend(district_id=district_id, school_year=school_year,
                           minimum_students=playbook.report_minimum_students, suppressed=suppress, months=months)  # fmt: skip
