"""Every query of the eligibility service."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import insert_for, upsert
from rollcall_shared.events import AttendanceCategory

from eligibility import models
from eligibility.playbook import DEFAULT_PLAYBOOK, Playbook, RuleId
from eligibility.rules import DailyRecord, Enrollment, RuleState, SectionRecord
from eligibility.state import RuleProgress, StudentKey, StudentState

CHUNK = 1000


def _chunks(items: Collection[Any]) -> Iterable[list[Any]]:
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _student_in(model: Any, keys: list[StudentKey]) -> Any:
    return tuple_(model.district_id, model.student_id).in_(keys)


async def student_versions(session: AsyncSession, keys: Collection[StudentKey]) -> dict[StudentKey, int]:
    versions: dict[StudentKey, int] = {}
    for chunk in _chunks(keys):
        rows = await session.execute(
            select(models.Student.district_id, models.Student.student_id, models.Student.version).where(
                _student_in(models.Student, chunk)
            )
        )
        versions.update({(d, s): v for d, s, v in rows})
    return versions


async def load_students(
    session: AsyncSession, versions: dict[StudentKey, int], keys: Collection[StudentKey]
) -> dict[StudentKey, StudentState]:
    """The stored state of each student (a new, empty state for a student never seen)."""
    states = {key: StudentState(version=versions.get(key, 0)) for key in keys}
    for chunk in _chunks(keys):
        daily = await session.execute(select(models.DailyRecord).where(_student_in(models.DailyRecord, chunk)))
        for row in daily.scalars():
            states[(row.district_id, row.student_id)].history.daily[(row.school_id, row.date)] = DailyRecord(
                row.school_id, row.date, AttendanceCategory(row.category), row.minutes, row.reason
            )
        sections = await session.execute(
            select(models.SectionRecord).where(_student_in(models.SectionRecord, chunk))
        )
        for row in sections.scalars():
            states[(row.district_id, row.student_id)].history.sections[(row.section_id, row.date)] = SectionRecord(
                row.section_id, row.school_id, row.date, AttendanceCategory(row.category)
            )
        enrollments = await session.execute(select(models.Enrollment).where(_student_in(models.Enrollment, chunk)))
        for row in enrollments.scalars():
            states[(row.district_id, row.student_id)].history.enrollments[(row.school_id, row.entry_date)] = (
                Enrollment(row.school_id, row.entry_date, row.exit_date)
            )
        closes = await session.execute(
            select(models.StudentSchoolClose).where(_student_in(models.StudentSchoolClose, chunk))
        )
        for row in closes.scalars():
            states[(row.district_id, row.student_id)].closed_through[row.school_id] = row.closed_through
        rules = await session.execute(select(models.RuleState).where(_student_in(models.RuleState, chunk)))
        for row in rules.scalars():
            states[(row.district_id, row.student_id)].rules[(row.school_year, RuleId(row.rule_id))] = RuleProgress(
                RuleState(row.state), row.crossings, row.clearings, row.changed_at
            )
    return states


async def save_students(session: AsyncSession, states: dict[StudentKey, StudentState]) -> bool:
    """Write what changed and move each student's version on; False if another writer got there first."""
    daily, sections, enrollments, closes, rules, years = [], [], [], [], [], []
    for (district_id, student_id), state in states.items():
        who = {"district_id": district_id, "student_id": student_id}
        history = state.history
        for key in state.changed_daily:
            r = history.daily[key]
            daily.append({**who, "school_id": r.school_id, "date": r.date, "category": r.category.value,
                          "minutes": r.minutes, "reason": r.reason})
        for key in state.changed_sections:
            s = history.sections[key]
            sections.append({**who, "section_id": s.section_id, "date": s.date, "school_id": s.school_id,
                             "category": s.category.value})
        for key in state.changed_enrollments:
            e = history.enrollments[key]
            enrollments.append({**who, "school_id": e.school_id, "entry_date": e.entry_date, "exit_date": e.exit_date})
        for school_id in state.changed_closes:
            closes.append({**who, "school_id": school_id, "closed_through": state.closed_through[school_id]})
        for year, rule_id in state.changed_rules:
            p = state.rules[(year, rule_id)]
            rules.append({**who, "school_year": year, "rule_id": rule_id.value, "state": p.state.value,
                          "crossings": p.crossings, "clearings": p.clearings, "changed_at": p.changed_at})
        for year, m in state.metrics.items():
            years.append({**who, "school_year": year, "absent_days": m.absent_days, "truant_days": m.truant_days,
                          "unexcused_period_absences": m.unexcused_period_absences,
                          "enrolled_days": m.enrolled_days, "absence_rate": m.absence_rate})
    await upsert(session, models.DailyRecord.__table__, daily, keys=["district_id", "student_id", "school_id", "date"])
    await upsert(session, models.SectionRecord.__table__, sections,
                 keys=["district_id", "student_id", "section_id", "date"])
    await upsert(session, models.Enrollment.__table__, enrollments,
                 keys=["district_id", "student_id", "school_id", "entry_date"])
    await upsert(session, models.StudentSchoolClose.__table__, closes,
                 keys=["district_id", "student_id", "school_id"])
    await upsert(session, models.RuleState.__table__, rules,
                 keys=["district_id", "student_id", "school_year", "rule_id"])
    await upsert(session, models.StudentYear.__table__, years, keys=["district_id", "student_id", "school_year"])
    return await _advance_versions(session, states)


async def _advance_versions(session: AsyncSession, states: dict[StudentKey, StudentState]) -> bool:
    table = models.Student.__table__
    known = [(d, s, state.version) for (d, s), state in states.items() if state.version > 0]
    new = [{"district_id": d, "student_id": s, "version": 1} for (d, s), state in states.items() if state.version == 0]
    for chunk in _chunks(known):
        result = await session.execute(
            update(table)
            .where(tuple_(table.c.district_id, table.c.student_id, table.c.version).in_(chunk))
            .values(version=table.c.version + 1)
            .returning(table.c.student_id)
        )
        if len(result.all()) != len(chunk):
            return False
    for chunk in _chunks(new):
        statement = insert_for(session, table).values(chunk).on_conflict_do_nothing(
            index_elements=["district_id", "student_id"]
        )
        result = await session.execute(statement.returning(table.c.student_id))
        if len(result.all()) != len(chunk):
            return False
    for state in states.values():
        state.version += 1
    return True


async def school_versions(session: AsyncSession, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The `days_version` of each known school."""
    found: dict[tuple[str, str], int] = {}
    for chunk in _chunks(keys):
        rows = await session.execute(
            select(models.School.district_id, models.School.school_id, models.School.days_version).where(
                tuple_(models.School.district_id, models.School.school_id).in_(chunk)
            )
        )
        found.update({(d, s): version for d, s, version in rows})
    return found


async def instructional_days(session: AsyncSession, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], set[date]]:
    days: dict[tuple[str, str], set[date]] = {key: set() for key in keys}
    for chunk in _chunks(keys):
        rows = await session.execute(
            select(models.SchoolDay.district_id, models.SchoolDay.school_id, models.SchoolDay.date).where(
                tuple_(models.SchoolDay.district_id, models.SchoolDay.school_id).in_(chunk),
                models.SchoolDay.instructional.is_(True),
            )
        )
        for d, s, day in rows:
            days[(d, s)].add(day)
    return days


async def save_school_days(session: AsyncSession, days: dict[tuple[str, str], dict[date, bool]]) -> None:
    """Record calendar days (instructional or not) and move each changed school's `days_version` on."""
    rows = [
        {"district_id": d, "school_id": s, "date": day, "instructional": instructional}
        for (d, s), by_day in sorted(days.items())
        for day, instructional in sorted(by_day.items())
    ]
    await upsert(session, models.SchoolDay.__table__, rows, keys=["district_id", "school_id", "date"])
    table = models.School.__table__
    await upsert(
        session, table, [{"district_id": d, "school_id": s, "days_version": 1} for d, s in sorted(days)],
        keys=["district_id", "school_id"], update=lambda _: {"days_version": table.c.days_version + 1},
    )


async def playbooks(session: AsyncSession, district_ids: Collection[str]) -> dict[str, Playbook]:
    rows = await session.execute(
        select(models.DistrictPlaybook.district_id, models.DistrictPlaybook.document).where(
            models.DistrictPlaybook.district_id.in_(list(district_ids))
        )
    )
    found = {d: Playbook.model_validate(document) for d, document in rows}
    return {d: found.get(d, DEFAULT_PLAYBOOK) for d in district_ids}


async def student_years(
    session: AsyncSession, district_id: str, school_year: int, student_ids: list[str]
) -> list[models.StudentYear]:
    rows = await session.scalars(
        select(models.StudentYear).where(
            models.StudentYear.district_id == district_id,
            models.StudentYear.school_year == school_year,
            models.StudentYear.student_id.in_(student_ids),
        )
    )
    return list(rows)


async def crossed_rules(
    session: AsyncSession, district_id: str, school_year: int, student_ids: list[str]
) -> dict[str, set[str]]:
    rows = await session.execute(
        select(models.RuleState.student_id, models.RuleState.rule_id).where(
            models.RuleState.district_id == district_id,
            models.RuleState.school_year == school_year,
            models.RuleState.student_id.in_(student_ids),
            models.RuleState.state == RuleState.CROSSED.value,
        )
    )
    crossed: dict[str, set[str]] = {}
    for student_id, rule_id in rows:
        crossed.setdefault(student_id, set()).add(rule_id)
    return crossed


async def students_by_rule_state(
    session: AsyncSession,
    district_id: str,
    school_year: int,
    rule_id: str | None,
    state: RuleState | None,
    after: str | None,
    limit: int,
) -> list[str]:
    """Ids of the students of a school year (in id order), optionally in one rule state."""
    year = models.StudentYear
    query = select(year.student_id).where(year.district_id == district_id, year.school_year == school_year)
    if rule_id is not None and state is not None:
        crossed = select(models.RuleState.student_id).where(
            models.RuleState.district_id == district_id,
            models.RuleState.school_year == school_year,
            models.RuleState.rule_id == rule_id,
            models.RuleState.state == RuleState.CROSSED.value,
        )
        inside = year.student_id.in_(crossed)
        query = query.where(inside if state is RuleState.CROSSED else ~inside)
    if after is not None:
        query = query.where(year.student_id > after)
    return list(await session.scalars(query.order_by(year.student_id).limit(limit)))


async def playbook_of(session: AsyncSession, district_id: str) -> Playbook:
    return (await playbooks(session, [district_id]))[district_id]


async def save_playbook(session: AsyncSession, district_id: str, playbook: Playbook) -> None:
    await upsert(
        session,
        models.DistrictPlaybook.__table__,
        [{"district_id": district_id, "document": playbook.model_dump(mode="json")}],
        keys=["district_id"],
    )
