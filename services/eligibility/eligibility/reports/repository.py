"""The queries of the reports: a district's schools and their days, its students of a school year, their groups."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import one_of
from rollcall_shared.events import GroupPeriod

from eligibility import models, repository
from eligibility.reports.figures import Profile
from eligibility.rules import SchoolDays


async def school_calendars(session: AsyncSession, district_id: str) -> dict[str, SchoolDays]:
    """Each school's instructional days and its `as_of` (the latest day closed there)."""
    rows = await session.execute(
        select(models.School.school_id, models.School.closed_through).where(models.School.district_id == district_id)
    )
    closed = dict(rows.all())
    days = await repository.instructional_days(session, [(district_id, school_id) for school_id in closed])
    return {school_id: SchoolDays(frozenset(days[(district_id, school_id)]), as_of) for school_id, as_of in closed.items()}


async def students_enrolled(session: AsyncSession, district_id: str, first: date, last: date) -> list[str]:
    """The students with an enrollment that started by `last` and had not ended before `first`, in id order."""
    enrollment = models.Enrollment
    rows = await session.scalars(
        select(enrollment.student_id).distinct().where(
            enrollment.district_id == district_id,
            enrollment.entry_date <= last,
            or_(enrollment.exit_date.is_(None), enrollment.exit_date >= first),
        ).order_by(enrollment.student_id)
    )
    return list(rows)


async def profiles(session: AsyncSession, district_id: str, student_ids: list[str]) -> dict[str, Profile]:
    """What ingest last said of each student's groups; students it said nothing of are left out.

    The groups are ciphertext at rest: a chunk of students is read in one query and decrypted here, and the
    report groups them in Python (no SQL can group on them).
    """
    groups = models.StudentGroups
    rows = await session.execute(
        select(groups.student_id, groups.profile)
        .where(groups.district_id == district_id, one_of(session, groups.student_id, student_ids))
    )
    return {student_id: _profile(profile) for student_id, profile in rows}


def _profile(stored: dict[str, Any]) -> Profile:
    periods = tuple(GroupPeriod.model_validate(period) for period in stored["groups"])
    return Profile(stored["sex"], stored["raceEthnicity"], periods)
