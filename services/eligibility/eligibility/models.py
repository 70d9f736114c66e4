"""Eligibility's tables: the current inputs of each student, school days, rule states, metrics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Index, Integer, String, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rollcall_shared.db import service_metadata
from rollcall_shared.encryption import Encrypted
from rollcall_shared.inbox import InboxMixin
from rollcall_shared.outbox import OutboxMixin
from rollcall_shared.parked import ParkedMixin

ID = String(64)
UNFINISHED = "status IN ('queued', 'running')"


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class ParkedMessage(ParkedMixin, Base):
    pass


class InboxMessage(InboxMixin, Base):
    pass


class PartitionLease(Base):
    """Which consumer owns a partition: each assignment moves `epoch` on, fencing off the previous owner."""

    __tablename__ = "partition_lease"

    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)


class DailyRecord(Base):
    __tablename__ = "daily_record"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(255))


class SectionRecord(Base):
    __tablename__ = "section_record"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    section_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID)
    category: Mapped[str] = mapped_column(String(32))


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (Index("ix_enrollment_school", "district_id", "school_id", "entry_date"),)

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, primary_key=True)
    exit_date: Mapped[date | None] = mapped_column(Date)
    grade_level: Mapped[str | None] = mapped_column(String(64))


class School(Base):
    """`days_version` moves whenever the school's instructional days change."""

    __tablename__ = "school"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    days_version: Mapped[int] = mapped_column(Integer, default=0)
    closed_through: Mapped[date | None] = mapped_column(Date)
    """The school's `as_of`: the latest day whose attendance the SIS said is final."""
    applied_through: Mapped[date | None] = mapped_column(Date)
    """The latest day of a close whose every event is applied: the end of the school's review window."""


class SchoolClose(Base):
    """One close of a school (`close_id`) and how many of its `size` events, one per student, are applied."""

    __tablename__ = "school_close"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    close_id: Mapped[str] = mapped_column(ID, primary_key=True)
    closed_through: Mapped[date] = mapped_column(Date)
    size: Mapped[int] = mapped_column(Integer)
    seen: Mapped[int] = mapped_column(Integer)


class SchoolDay(Base):
    __tablename__ = "school_day"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    instructional: Mapped[bool]


class RuleState(Base):
    __tablename__ = "rule_state"
    __table_args__ = (Index("ix_rule_state_lookup", "district_id", "school_year", "rule_id", "state"),)

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    crossings: Mapped[int] = mapped_column(Integer, default=0)
    clearings: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudentYear(Base):
    """The metrics of a student's school year as of the last change."""

    __tablename__ = "student_year"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    absent_days: Mapped[int] = mapped_column(Integer)
    truant_days: Mapped[int] = mapped_column(Integer)
    unexcused_period_absences: Mapped[int] = mapped_column(Integer)
    enrolled_days: Mapped[int] = mapped_column(Integer)
    absence_rate: Mapped[float | None] = mapped_column(Float)
    closed_through: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """School id -> the last day closed there as the student's own events have said (ISO date)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DistrictPlaybook(Base):
    __tablename__ = "district_playbook"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Rebuild(Base):
    """A school year's rule states evaluated again under the district's playbook: a job run in chunks of students
    by one replica at a time, resumed after its last chunk, and what it changed."""

    __tablename__ = "rebuild"
    __table_args__ = (
        Index("uq_rebuild_unfinished_district", "district_id", unique=True,
              postgresql_where=text(UNFINISHED), sqlite_where=text(UNFINISHED)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    district_id: Mapped[str] = mapped_column(ID, index=True)
    school_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    """`queued`, `running`, `done` or `failed`; one unfinished job per district."""
    students: Mapped[int] = mapped_column(Integer, default=0)
    """Students evaluated so far."""
    total: Mapped[int | None] = mapped_column(Integer)
    """Students of the school year when the job started."""
    crossed: Mapped[int] = mapped_column(Integer, default=0)
    cleared: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    """Chunks committed: each one moves on, so consumers drop the district's cached students."""
    cursor: Mapped[str | None] = mapped_column(ID)
    """The last student id evaluated, in id order: where the next chunk starts."""
    runner: Mapped[str | None] = mapped_column(String(200))
    """The replica running it (host and process)."""
    claims: Mapped[int] = mapped_column(Integer, default=0)
    """Moves on at each claim: a replica whose claim is past stops before its next chunk."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When its runner last committed a chunk or claimed it: long ago, another replica takes it over."""
    error: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


PROFILE_PADDING = 256
"""Bytes a profile is padded to a multiple of: its token's length tells no race or sex from another."""


class StudentGroups(Base):
    """A student's report groups as ingest last knew them (`StudentGroupsRecorded`, whole)."""

    __tablename__ = "student_groups"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    profile: Mapped[dict[str, Any]] = mapped_column(Encrypted(json=True, pad_to=PROFILE_PADDING))
    """`{"sex", "raceEthnicity", "groups"}`, each group `{"group", "beginDate", "endDate"}` (ISO dates or null):
    FERPA-sensitive, one token per student (reports group in Python after decrypting, docs/security.md)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SchoolTarget(Base):
    """Whether a school's recent attendance is below the district's target, and how many dips it has had."""

    __tablename__ = "school_target"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    """`below` or `met`."""
    dips: Mapped[int] = mapped_column(Integer, default=0)
    recoveries: Mapped[int] = mapped_column(Integer, default=0)
    attendance_rate: Mapped[float | None] = mapped_column(Float)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
