"""A school year's rule states evaluated again under the district's playbook as it is now, after a change to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.events import ThresholdChanged, school_year_of

from eligibility import repository
from eligibility.publishers import publish_threshold_changes
from eligibility.rules import SchoolDays
from eligibility.service import Calendars, evaluate_year
from eligibility.state import StudentState

STUDENTS_AT_ONCE = 500


async def rebuild(
    session: AsyncSession, *, district_id: str, school_year: int, apply: bool, now: datetime
) -> tuple[int, list[ThresholdChanged]]:
    """Every student of the year evaluated again; returns how many and the changes, emitted only if `apply`.

    Applying holds the attendance consumers' leases to the end of the transaction, and the rebuild it
    records makes them drop the district's cached students before their next batch.
    """
    if apply:
        await repository.lock_partitions(session, topics.ATTENDANCE)
    playbook = await repository.playbook_of(session, district_id)
    student_ids = await repository.students_of_year(session, district_id, school_year)
    changes: list[ThresholdChanged] = []
    for start in range(0, len(student_ids), STUDENTS_AT_ONCE):
        keys = [(district_id, student_id) for student_id in student_ids[start : start + STUDENTS_AT_ONCE]]
        states = await repository.load_students(session, keys)
        schools = {(district_id, school) for state in states.values() for school, _ in state.history.enrollments}
        days = await repository.instructional_days(session, schools)
        calendars = Calendars({key: SchoolDays(frozenset(found)) for key, found in days.items()})
        for key, state in states.items():
            if (school_id := _school_of(state, school_year)) is not None:
                changes += evaluate_year(state, key, school_year, calendars=calendars, playbook=playbook,
                                         school_id=school_id, occurred_at=now)  # fmt: skip
        if apply:
            await repository.save_students(session, states)
    if apply:
        await publish_threshold_changes(session, [(change, None) for change in changes])
        crossed = sum(change.type == "threshold.crossed" for change in changes)
        await repository.record_rebuild(session, district_id, school_year, len(student_ids), crossed,
                                        len(changes) - crossed)  # fmt: skip
    return len(student_ids), changes


def _school_of(state: StudentState, school_year: int) -> str | None:
    """The school of the student's latest enrollment of the year, else of their latest record."""
    history = state.history
    enrolled = [e for e in history.enrollments.values() if school_year_of(e.entry_date) <= school_year
                and (e.exit_date is None or school_year_of(e.exit_date) >= school_year)]  # fmt: skip
    if enrolled:
        return max(enrolled, key=lambda e: e.entry_date).school_id
    records = [r for r in history.daily.values() if school_year_of(r.date) == school_year]
    return max(records, key=lambda r: r.date).school_id if records else None
