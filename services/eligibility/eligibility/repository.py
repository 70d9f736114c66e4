"""Every query of the eligibility service."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import insert_for, is_postgres, one_of, rows_as_table, unnest_rows, upsert
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


def _student_in(session: AsyncSession, model: Any, keys: list[StudentKey]) -> Any:
    by_district: dict[str, list[str]] = {}
    for district_id, student_id in keys:
        by_district.setdefault(district_id, []).append(student_id)
    return or_(
        *(and_(model.district_id == d, one_of(session, model.student_id, ids)) for d, ids in by_district.items())
    )


async def stored_students(session: AsyncSession, keys: Collection[StudentKey]) -> dict[StudentKey, tuple[int, dict[str, str]]]:
    """(version, closed_through) of each known student."""
    found: dict[StudentKey, tuple[int, dict[str, str]]] = {}
    table = models.Student
    for chunk in _chunks(keys):
        rows = await session.execute(
            select(table.district_id, table.student_id, table.version, table.closed_through).where(
                _student_in(session, table, chunk)
            )
        )
        found.update({(d, s): (v, closed or {}) for d, s, v, closed in rows})
    return found


async def load_students(
    session: AsyncSession, stored: dict[StudentKey, tuple[int, dict[str, str]]], keys: Collection[StudentKey]
) -> dict[StudentKey, StudentState]:
    """The stored state of each student (a new, empty state for a student never seen)."""
    states = {}
    for key in keys:
        version, closed = stored.get(key, (0, {}))
        states[key] = StudentState(
            version=version, closed_through={school: date.fromisoformat(day) for school, day in closed.items()}
        )
    for chunk in _chunks(keys):
        daily = await session.execute(select(models.DailyRecord).where(_student_in(session, models.DailyRecord, chunk)))
        for row in daily.scalars():
            states[(row.district_id, row.student_id)].history.daily[(row.school_id, row.date)] = DailyRecord(
                row.school_id, row.date, AttendanceCategory(row.category), row.minutes, row.reason
            )
        sections = await session.execute(
            select(models.SectionRecord).where(_student_in(session, models.SectionRecord, chunk))
        )
        for row in sections.scalars():
            states[(row.district_id, row.student_id)].history.sections[(row.section_id, row.date)] = SectionRecord(
                row.section_id, row.school_id, row.date, AttendanceCategory(row.category)
            )
        enrollments = await session.execute(select(models.Enrollment).where(_student_in(session, models.Enrollment, chunk)))
        for row in enrollments.scalars():
            states[(row.district_id, row.student_id)].history.enrollments[(row.school_id, row.entry_date)] = (
                Enrollment(row.school_id, row.entry_date, row.exit_date)
            )
        rules = await session.execute(select(models.RuleState).where(_student_in(session, models.RuleState, chunk)))
        for row in rules.scalars():
            states[(row.district_id, row.student_id)].rules[(row.school_year, RuleId(row.rule_id))] = RuleProgress(
                RuleState(row.state), row.crossings, row.clearings, row.changed_at
            )
    return states


async def save_students(session: AsyncSession, states: dict[StudentKey, StudentState]) -> bool:
    """Write what changed and move each student's version on; False if another writer got there first."""
    daily, sections, enrollments, rules, years = [], [], [], [], []
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
    await upsert(session, models.RuleState.__table__, rules,
                 keys=["district_id", "student_id", "school_year", "rule_id"])
    await upsert(session, models.StudentYear.__table__, years, keys=["district_id", "student_id", "school_year"])
    return await _advance_versions(session, states)


async def _advance_versions(session: AsyncSession, states: dict[StudentKey, StudentState]) -> bool:
    """Move each student's version on, only from the version this consumer loaded."""
    table = models.Student.__table__
    known = [_student_row(key, st, st.version) for key, st in states.items() if st.version]
    new = [_student_row(key, st, 1) for key, st in states.items() if not st.version]
    for chunk in [known] if is_postgres(session) else _chunks(known):
        if not chunk:
            continue
        loaded = rows_as_table(session, table, chunk, "loaded")
        result = await session.execute(
            update(table)
            .where(*(table.c[name] == loaded.c[name] for name in ("district_id", "student_id", "version")))
            .values(version=table.c.version + 1, closed_through=loaded.c.closed_through)
            .returning(table.c.student_id)
        )
        if len(result.all()) != len(chunk):
            return False
    if new:
        statement = insert_for(session, table).on_conflict_do_nothing(index_elements=["district_id", "student_id"])
        if is_postgres(session):
            result = await session.execute(
                statement.from_select(list(new[0]), unnest_rows(table, new)).returning(table.c.student_id)
            )
        else:
            result = await session.execute(statement.returning(table.c.student_id), new)
        if len(result.all()) != len(new):
            return False
    for state in states.values():
        state.version += 1
    return True


def _student_row(key: StudentKey, state: StudentState, version: int) -> dict[str, Any]:
    closed = {school: day.isoformat() for school, day in state.closed_through.items()}
    return {"district_id": key[0], "student_id": key[1], "version": version, "closed_through": closed}


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
