"""A school's attendance over spans of its instructional days, and whether it meets the district's target.

Attendance is days attended over days enrolled, summed over the school's students and counted in the
database. After each batch the schools whose window it may have moved are reviewed in the batch's own
transaction: below the target once per dip, recovered once it is back.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, distinct, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import upsert
from rollcall_shared.events import SchoolAttendanceChanged, deterministic_id, school_year_of

from eligibility import models, repository
from eligibility.playbook import Playbook
from eligibility.rules import ABSENCES, RATE_DECIMALS, SchoolDays, _year_bounds
from eligibility.state import StudentKey, StudentState

SchoolKey = tuple[str, str]
BELOW, MET = "below", "met"
BELOW_TARGET, RECOVERED = "school.attendance-below-target", "school.attendance-recovered"
DayCounts = Mapping[date, tuple[int, int]]
"""Per instructional day: the students enrolled at the school, and those of them absent."""


@dataclass(frozen=True)
class Attendance:
    """A school's attendance over a span of its instructional days."""

    days: Sequence[date] = ()
    enrolled: int = 0
    attended: int = 0

    @property
    def rate(self) -> float | None:
        return self.attended / self.enrolled if self.enrolled else None


def attendance_over(days: Sequence[date], counts: DayCounts) -> Attendance:
    enrolled = sum(counts.get(day, (0, 0))[0] for day in days)
    absent = sum(counts.get(day, (0, 0))[1] for day in days)
    return Attendance(days, enrolled, enrolled - absent)


def days_between(days: Sequence[date], first: date, last: date) -> Sequence[date]:
    """The ordered instructional days from `first` through `last`."""
    return days[bisect_left(days, first) : bisect_right(days, last)]


def last_days(days: Sequence[date], through: date, count: int) -> Sequence[date]:
    """The last `count` instructional days through `through`, in its school year (fewer if it has fewer)."""
    return days_between(days, _year_bounds(school_year_of(through))[0], through)[-count:]


def transition(state: str, rate: float, target: float) -> str | None:
    """The event a review emits: below the target once per dip, recovered once at or above it again."""
    if state == MET and rate < target:
        return BELOW_TARGET
    if state == BELOW and rate >= target:
        return RECOVERED
    return None


def touched_schools(
    states: Mapping[StudentKey, StudentState],
    applied: Collection[SchoolKey],
    calendars: Mapping[SchoolKey, SchoolDays],
    playbooks: Mapping[str, Playbook],
) -> set[SchoolKey]:
    """The schools whose window a batch may have moved: it applied the last event of a close there, or changed a
    record or an enrollment on a day of the window as the student's closes show it (later days are reviewed at
    their close)."""
    touched = set(applied)
    for (district_id, _), state in states.items():
        changed = [(school, day, day) for school, day in state.changed_daily]
        changed += [(school, entry, date.max) for school, entry in state.changed_enrollments]
        for school_id, first, last in changed:
            key, as_of = (district_id, school_id), state.closed_through.get(school_id)
            if key in touched or as_of is None or first > as_of:
                continue
            window = last_days(calendars[key].ordered(), as_of, playbooks[district_id].school_target_days)
            if window and last >= window[0]:
                touched.add(key)
    return touched


async def lock_schools(
    session: AsyncSession, keys: Collection[SchoolKey], *, told: Mapping[SchoolKey, date]
) -> dict[SchoolKey, date]:
    """Hold the schools' rows to the end of the transaction, in key order, so one batch at a time reviews a
    school and sees every batch before it; returns each school's `as_of` (its `applied_through`) with the
    closes `told` saved."""
    as_of = dict(told)
    if not keys:
        return as_of
    school = models.School
    rows = await session.execute(
        select(school.district_id, school.school_id, school.applied_through)
        .where(tuple_(school.district_id, school.school_id).in_(sorted(keys)))
        .order_by(school.district_id, school.school_id)
        .with_for_update()
    )
    for district_id, school_id, stored in rows:
        if stored is not None:
            as_of[(district_id, school_id)] = max(stored, as_of.get((district_id, school_id), stored))
    return as_of


async def day_counts(session: AsyncSession, spans: Mapping[SchoolKey, tuple[date, date]]) -> dict[SchoolKey, DayCounts]:
    """Each school's students enrolled and absent on each instructional day from `first` through `last`.

    Enrolled: the day is within an enrollment at that school; absent: the current daily record at that
    school is an Excused or Unexcused Absence (no record is attended).
    """
    day, enrollment, record = models.SchoolDay, models.Enrollment, models.DailyRecord
    rows = await session.execute(
        select(day.district_id, day.school_id, day.date,
               func.count(distinct(enrollment.student_id)), func.count(distinct(record.student_id)))
        .outerjoin(enrollment, and_(
            enrollment.district_id == day.district_id, enrollment.school_id == day.school_id,
            enrollment.entry_date <= day.date, or_(enrollment.exit_date.is_(None), enrollment.exit_date >= day.date),
        ))
        .outerjoin(record, and_(
            record.district_id == enrollment.district_id, record.student_id == enrollment.student_id,
            record.school_id == day.school_id, record.date == day.date,
            record.category.in_([category.value for category in ABSENCES]),
        ))
        .where(day.instructional.is_(True), or_(*(
            and_(day.district_id == d, day.school_id == s, day.date.between(first, last))
            for (d, s), (first, last) in spans.items()
        )))
        .group_by(day.district_id, day.school_id, day.date)
    )  # fmt: skip
    counts: dict[SchoolKey, dict[date, tuple[int, int]]] = {key: {} for key in spans}
    for district_id, school_id, on, enrolled, absent in rows:
        counts[(district_id, school_id)][on] = (enrolled, absent)
    return counts


async def review_schools(
    session: AsyncSession,
    touched: Collection[SchoolKey],
    *,
    as_of: Mapping[SchoolKey, date],
    calendars: Mapping[SchoolKey, SchoolDays],
    playbooks: Mapping[str, Playbook],
    occurred_at: datetime,
) -> list[SchoolAttendanceChanged]:
    """Each touched school's attendance over its window against the target; saves it, returns the changes.

    A school is reviewed once it has `school_target_days` closed instructional days in the school year.
    """
    windows = {}
    for key in sorted(touched):
        count = playbooks[key[0]].school_target_days
        if key in as_of and len(window := last_days(calendars[key].ordered(), as_of[key], count)) == count:
            windows[key] = window
    if not windows:
        return []
    counts = await day_counts(session, {key: (window[0], window[-1]) for key, window in windows.items()})
    table = models.SchoolTarget.__table__
    years = {key: school_year_of(window[-1]) for key, window in windows.items()}
    stored = {
        (row.district_id, row.school_id): row._asdict()
        for row in await session.execute(select(table).where(
            tuple_(table.c.district_id, table.c.school_id, table.c.school_year).in_([(*k, y) for k, y in years.items()])
        ))
    }  # fmt: skip
    changes, rows = [], []
    for key, window in windows.items():
        attendance = attendance_over(window, counts[key])
        if not attendance.enrolled:
            continue
        change, row = _reviewed(key, years[key], attendance, stored.get(key), playbooks[key[0]], occurred_at)
        changes += [change] if change else []
        if row != stored.get(key):
            rows.append(row)
    await upsert(session, table, rows, keys=["district_id", "school_id", "school_year"])
    return changes


def _reviewed(
    key: SchoolKey, year: int, attendance: Attendance, stored: dict[str, Any] | None, playbook: Playbook, now: datetime
) -> tuple[SchoolAttendanceChanged | None, dict[str, Any]]:
    """The school's target row after the review, and the event the review emits if any."""
    district_id, school_id = key
    exact, target = attendance.attended / attendance.enrolled, playbook.school_attendance_target
    rate = round(exact, RATE_DECIMALS)
    row = {"district_id": district_id, "school_id": school_id, "school_year": year, "state": MET, "dips": 0,
           "recoveries": 0, "changed_at": now} | (stored or {})  # fmt: skip
    row |= {"attendance_rate": rate, "first_day": attendance.days[0], "last_day": attendance.days[-1]}
    kind = transition(row["state"], exact, target)
    if kind is None:
        return None, row
    counter = "dips" if kind == BELOW_TARGET else "recoveries"
    row |= {"state": BELOW if kind == BELOW_TARGET else MET, counter: row[counter] + 1, "changed_at": now}
    return SchoolAttendanceChanged(
        event_id=deterministic_id(district_id, school_id, year, kind, row[counter]),
        type=kind,
        district_id=district_id,
        school_id=school_id,
        school_year=year,
        attendance_rate=rate,
        target=target,
        window_days=len(attendance.days),
        first_day=attendance.days[0],
        last_day=attendance.days[-1],
        occurred_at=now,
    ), row


async def school_target(session: AsyncSession, key: SchoolKey, school_year: int) -> models.SchoolTarget | None:
    return await session.get(models.SchoolTarget, (*key, school_year))


class Campaign(NamedTuple):
    """A school's attendance before, during and after a campaign, as far as its days are closed."""

    as_of: date | None
    before: Attendance
    during: Attendance
    after: Attendance


def campaign_spans(
    days: Sequence[date], as_of: date | None, start: date, end: date, count: int
) -> tuple[Sequence[date], Sequence[date], Sequence[date]]:
    """The `count` closed days before `start` (in its school year), those from `start` through `end`, and the
    `count` closed days after `end` (in its school year)."""
    closed = days_between(days, date.min, as_of) if as_of is not None else ()
    before = days_between(closed, _year_bounds(school_year_of(start))[0], start - timedelta(days=1))[-count:]
    after = days_between(closed, end + timedelta(days=1), _year_bounds(school_year_of(end))[1])[:count]
    return before, days_between(closed, start, end), after


async def campaign(session: AsyncSession, key: SchoolKey, *, start: date, end: date, count: int) -> Campaign:
    school = await session.get(models.School, key)
    as_of = school.closed_through if school is not None else None
    calendar = tuple(sorted((await repository.instructional_days(session, [key]))[key]))
    spans = campaign_spans(calendar, as_of, start, end, count)
    every = [day for span in spans for day in span]
    counts = (await day_counts(session, {key: (every[0], every[-1])}))[key] if every else {}
    return Campaign(as_of, *(attendance_over(span, counts) for span in spans))
