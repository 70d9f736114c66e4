"""Every query of the eligibility service."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of, upsert
from rollcall_shared.events import AttendanceCategory, StudentGroupsRecorded
from rollcall_shared.pagination import Keyset

from eligibility import models
from eligibility.playbook import DEFAULT_PLAYBOOK, Playbook, RuleId
from eligibility.rules import DailyRecord, Enrollment, RuleState, SectionRecord
from eligibility.state import RuleProgress, StudentKey, StudentState

CHUNK = 1000
UNFINISHED = ("queued", "running")


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


async def load_students(session: AsyncSession, keys: Collection[StudentKey]) -> dict[StudentKey, StudentState]:
    """The stored state of each student (a new, empty state for a student never seen)."""
    states = {key: StudentState() for key in keys}
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
                Enrollment(row.school_id, row.entry_date, row.exit_date, row.grade_level)
            )
        years = await session.execute(
            select(models.StudentYear.district_id, models.StudentYear.student_id, models.StudentYear.closed_through)
            .where(_student_in(session, models.StudentYear, chunk))
        )
        for district_id, student_id, closed in years:
            known = states[(district_id, student_id)].closed_through
            for school, day in (closed or {}).items():
                known[school] = max(known.get(school, date.min), date.fromisoformat(day))
        rules = await session.execute(select(models.RuleState).where(_student_in(session, models.RuleState, chunk)))
        for row in rules.scalars():
            states[(row.district_id, row.student_id)].rules[(row.school_year, RuleId(row.rule_id))] = RuleProgress(
                RuleState(row.state), row.crossings, row.clearings, row.changed_at
            )
    return states


async def save_students(session: AsyncSession, states: dict[StudentKey, StudentState]) -> None:
    """Write what changed, set-wise."""
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
            enrollments.append({**who, "school_id": e.school_id, "entry_date": e.entry_date, "exit_date": e.exit_date,
                                "grade_level": e.grade_level})
        for year, rule_id in state.changed_rules:
            p = state.rules[(year, rule_id)]
            rules.append({**who, "school_year": year, "rule_id": rule_id.value, "state": p.state.value,
                          "crossings": p.crossings, "clearings": p.clearings, "changed_at": p.changed_at})
        closed = {school: day.isoformat() for school, day in state.closed_through.items()}
        for year, m in state.metrics.items():
            years.append({**who, "school_year": year, "absent_days": m.absent_days, "truant_days": m.truant_days,
                          "unexcused_period_absences": m.unexcused_period_absences,
                          "enrolled_days": m.enrolled_days, "absence_rate": m.absence_rate,
                          "closed_through": closed})
    await upsert(session, models.DailyRecord.__table__, daily, keys=["district_id", "student_id", "school_id", "date"])
    await upsert(session, models.SectionRecord.__table__, sections,
                 keys=["district_id", "student_id", "section_id", "date"])
    await upsert(session, models.Enrollment.__table__, enrollments,
                 keys=["district_id", "student_id", "school_id", "entry_date"])
    await upsert(session, models.RuleState.__table__, rules,
                 keys=["district_id", "student_id", "school_year", "rule_id"])
    await upsert(session, models.StudentYear.__table__, years, keys=["district_id", "student_id", "school_year"])


async def take_partitions(session: AsyncSession, topic: str, partitions: Collection[int]) -> dict[int, int]:
    """Become the owner of the partitions: their epochs move on, so a previous owner's writes fail."""
    table = models.PartitionLease.__table__
    rows = [{"topic": topic, "partition": p, "epoch": 1} for p in sorted(partitions)]
    await upsert(session, table, rows, keys=["topic", "partition"], update=lambda _: {"epoch": table.c.epoch + 1})
    found = await session.execute(
        select(table.c.partition, table.c.epoch).where(table.c.topic == topic, table.c.partition.in_(list(partitions)))
    )
    return dict(found.all())


async def hold_partitions(session: AsyncSession, topic: str, leases: dict[int, int]) -> bool:
    """Lock the partitions' leases for this transaction; False if another consumer has taken one since."""
    table = models.PartitionLease.__table__
    held = await session.execute(
        update(table)
        .where(table.c.topic == topic, tuple_(table.c.partition, table.c.epoch).in_(list(leases.items())))
        .values(epoch=table.c.epoch)
        .returning(table.c.partition)
    )
    return len(held.all()) == len(leases)


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


async def save_closed_through(
    session: AsyncSession, closed: dict[tuple[str, str], date], applied: dict[tuple[str, str], date]
) -> None:
    """Move each school's `closed_through` and `applied_through` on to the days given, never back."""
    table = models.School.__table__
    rows = [{"district_id": d, "school_id": s, "days_version": 0, "closed_through": closed.get((d, s)),
             "applied_through": applied.get((d, s))} for d, s in sorted(closed.keys() | applied.keys())]  # fmt: skip

    def moved_on(excluded: Any) -> dict[str, Any]:
        return {column: case(
            (or_(table.c[column].is_(None), table.c[column] < excluded[column]), excluded[column]),
            else_=table.c[column],
        ) for column in ("closed_through", "applied_through")}  # fmt: skip

    await upsert(session, table, rows, keys=["district_id", "school_id"], update=moved_on)


async def count_closes(
    session: AsyncSession, closes: dict[tuple[str, str, str, date, int], int]
) -> dict[tuple[str, str], date]:
    """Add the events applied to each (district, school, close id, closed through, size); returns each school's
    latest day among those closes whose every event is now applied."""
    if not closes:
        return {}
    table = models.SchoolClose.__table__
    rows = [{"district_id": d, "school_id": s, "close_id": c, "closed_through": through, "size": size, "seen": seen}
            for (d, s, c, through, size), seen in sorted(closes.items())]  # fmt: skip
    await upsert(session, table, rows, keys=["district_id", "school_id", "close_id"],
                 update=lambda excluded: {"seen": table.c.seen + excluded.seen})  # fmt: skip
    ids = tuple_(table.c.district_id, table.c.school_id, table.c.close_id).in_([key[:3] for key in sorted(closes)])
    complete = await session.execute(
        select(table.c.district_id, table.c.school_id, func.max(table.c.closed_through))
        .where(ids, table.c.seen >= table.c.size)
        .group_by(table.c.district_id, table.c.school_id)
    )  # fmt: skip
    return {(d, s): through for d, s, through in complete}


async def save_groups(session: AsyncSession, events: list[StudentGroupsRecorded]) -> None:
    """Each student's report groups, the latest event of the batch replacing what was stored."""
    latest = {(e.district_id, e.student_id): e for e in events}
    rows = [
        {"district_id": d, "student_id": s, "updated_at": e.recorded_at,
         "profile": e.model_dump(mode="json", by_alias=True, include={"sex", "race_ethnicity", "groups"})}
        for (d, s), e in sorted(latest.items())
    ]  # fmt: skip
    await upsert(session, models.StudentGroups.__table__, rows, keys=["district_id", "student_id"])


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
    page: Keyset,
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
    return list(await session.scalars(page.query(query, year.student_id)))


async def playbook_of(session: AsyncSession, district_id: str) -> Playbook:
    return (await playbooks(session, [district_id]))[district_id]


async def save_playbook(session: AsyncSession, district_id: str, playbook: Playbook) -> None:
    await upsert(
        session,
        models.DistrictPlaybook.__table__,
        [{"district_id": district_id, "document": playbook.model_dump(mode="json")}],
        keys=["district_id"],
    )


async def lock_partitions(session: AsyncSession, topic: str) -> None:
    """Hold every partition lease of the topic until this transaction ends: consumers wait for it."""
    table = models.PartitionLease.__table__
    await session.execute(select(table.c.partition).where(table.c.topic == topic).order_by(table.c.partition)
                          .with_for_update())  # fmt: skip


async def rebuild_marks(session: AsyncSession, district_ids: Collection[str]) -> dict[str, int]:
    """A number per district that moves on with every chunk a rebuild commits (0 for none)."""
    rows = await session.execute(
        select(models.Rebuild.district_id, func.sum(models.Rebuild.chunks))
        .where(models.Rebuild.district_id.in_(list(district_ids)))
        .group_by(models.Rebuild.district_id)
    )
    found = dict(rows.all())
    return {d: found.get(d) or 0 for d in district_ids}


async def count_students_of_year(session: AsyncSession, district_id: str, school_year: int) -> int:
    year = models.StudentYear
    return await session.scalar(
        select(func.count()).where(year.district_id == district_id, year.school_year == school_year)
    ) or 0


async def unfinished_rebuild(session: AsyncSession, district_id: str) -> models.Rebuild | None:
    rebuild = models.Rebuild
    return await session.scalar(
        select(rebuild).where(rebuild.district_id == district_id, rebuild.status.in_(UNFINISHED))
    )


async def rebuild_of(session: AsyncSession, district_id: str, rebuild_id: int) -> models.Rebuild | None:
    rebuild = models.Rebuild
    return await session.scalar(select(rebuild).where(rebuild.id == rebuild_id, rebuild.district_id == district_id))


async def add_rebuild(session: AsyncSession, district_id: str, school_year: int) -> models.Rebuild:
    job = models.Rebuild(district_id=district_id, school_year=school_year, status="queued", students=0, crossed=0,
                         cleared=0, chunks=0, claims=0)  # fmt: skip
    session.add(job)
    await session.flush()
    await session.refresh(job)  # its request time, from the database
    return job


async def claimable_rebuild(session: AsyncSession, stale_before: datetime) -> models.Rebuild | None:
    """The oldest job queued, or running on a replica that has committed nothing since `stale_before`."""
    rebuild = models.Rebuild
    stale = and_(rebuild.status == "running", or_(rebuild.heartbeat_at.is_(None), rebuild.heartbeat_at < stale_before))
    return await session.scalar(
        select(rebuild).where(or_(rebuild.status == "queued", stale)).order_by(rebuild.id).limit(1)
    )


async def claim_rebuild(session: AsyncSession, seen: models.Rebuild, *, runner: str, total: int, now: datetime) -> bool:
    """Run the job here, if no replica has claimed it or moved it on since it was `seen`."""
    rebuild = models.Rebuild
    claimed = await session.execute(
        update(rebuild)
        .where(rebuild.id == seen.id, rebuild.claims == seen.claims, rebuild.status.in_(UNFINISHED),
               rebuild.heartbeat_at.is_not_distinct_from(seen.heartbeat_at))
        .values(status="running", runner=runner, claims=rebuild.claims + 1, heartbeat_at=now, total=total,
                started_at=func.coalesce(rebuild.started_at, now))
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return claimed.rowcount == 1


async def lock_rebuild(session: AsyncSession, rebuild_id: int) -> models.Rebuild | None:
    """The job, held to the end of the transaction: one chunk at a time, and no claim in between."""
    return await session.scalar(
        select(models.Rebuild).where(models.Rebuild.id == rebuild_id).with_for_update()
        .execution_options(populate_existing=True)
    )  # fmt: skip
