"""A school year's rule states evaluated again under the district's playbook as it is now, after a change to it,
a chunk of students at a time (in student id order): a page of a dry run, or a chunk of a rebuild job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import ThresholdChanged, school_year_of
from rollcall_shared.pagination import Keyset

from eligibility import repository
from eligibility.models import Rebuild
from eligibility.publishers import publish_threshold_changes
from eligibility.rules import SchoolDays
from eligibility.service import Calendars, evaluate_year
from eligibility.state import StudentKey, StudentState


async def preview(
    session: AsyncSession, *, district_id: str, school_year: int, after: str | None, limit: int, now: datetime
) -> tuple[list[str], list[ThresholdChanged], str | None]:
    """A dry run over the `limit` students after `after`: their ids, the changes a rebuild would make, and the last
    id when more students follow. Nothing is written."""
    ids = await repository.students_by_rule_state(session, district_id, school_year, None, None, Keyset(after, limit))
    page = ids[:limit]
    _, changes = await _evaluate(session, district_id=district_id, school_year=school_year, student_ids=page, now=now)
    return page, changes, page[-1] if len(ids) > limit else None


async def rebuild_chunk(session: AsyncSession, job: Rebuild, *, students: int, now: datetime) -> None:
    """Evaluate the job's next `students` and apply what changes; moves the job on, done after the last student.

    Holds the attendance consumers' leases until the caller's transaction commits, so no batch runs beside the
    chunk; the chunk it counts makes every consumer drop the district's cached students before its next batch.
    """
    await repository.lock_partitions(session, topics.ATTENDANCE)
    ids = await repository.students_by_rule_state(session, job.district_id, job.school_year, None, None,
                                                  Keyset(job.cursor, students))  # fmt: skip
    chunk = ids[:students]
    states, changes = await _evaluate(session, district_id=job.district_id, school_year=job.school_year,
                                      student_ids=chunk, now=now)  # fmt: skip
    await repository.save_students(session, states)
    await publish_threshold_changes(session, [(change, None) for change in changes])
    crossed = sum(change.type == "threshold.crossed" for change in changes)
    job.students += len(chunk)
    job.crossed += crossed
    job.cleared += len(changes) - crossed
    job.chunks += 1
    job.cursor = chunk[-1] if chunk else job.cursor
    job.heartbeat_at = now
    if len(ids) <= students:
        job.status, job.finished_at = "done", now
    await session.flush()


async def _evaluate(
    session: AsyncSession, *, district_id: str, school_year: int, student_ids: list[str], now: datetime
) -> tuple[dict[StudentKey, StudentState], list[ThresholdChanged]]:
    """The students' states with the year evaluated again, and the changes that follows, in student order."""
    playbook = await repository.playbook_of(session, district_id)
    states = await repository.load_students(session, [(district_id, student_id) for student_id in student_ids])
    schools = {(district_id, school) for state in states.values() for school, _ in state.history.enrollments}
    days = await repository.instructional_days(session, schools)
    calendars = Calendars({key: SchoolDays(frozenset(found)) for key, found in days.items()})
    changes: list[ThresholdChanged] = []
    for key, state in states.items():
        if (school_id := _school_of(state, school_year)) is not None:
            changes += evaluate_year(state, key, school_year, calendars=calendars, playbook=playbook,
                                     school_id=school_id, occurred_at=now)  # fmt: skip
    return states, changes


def _school_of(state: StudentState, school_year: int) -> str | None:
    """The school of the student's latest enrollment of the year, else of their latest record."""
    history = state.history
    enrolled = [e for e in history.enrollments.values() if school_year_of(e.entry_date) <= school_year
                and (e.exit_date is None or school_year_of(e.exit_date) >= school_year)]  # fmt: skip
    if enrolled:
        return max(enrolled, key=lambda e: e.entry_date).school_id
    records = [r for r in history.daily.values() if school_year_of(r.date) == school_year]
    return max(records, key=lambda r: r.date).school_id if records else None
