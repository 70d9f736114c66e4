"""Intervention cases: one open per student, their standing reasons, and their timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encryption import Encrypted

from plans.base import ID, Base


class Case(Base):
    __tablename__ = "intervention_case"
    __table_args__ = (
        Index("ix_intervention_case_student", "district_id", "student_id", "status"),
        Index("ix_intervention_case_owner", "district_id", "owner_id", "status"),
    )

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district_id: Mapped[str] = mapped_column(ID)
    student_id: Mapped[str] = mapped_column(ID)
    school_id: Mapped[str] = mapped_column(ID)
    school_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    tier: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[str | None] = mapped_column(ID)
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    acted_on: Mapped[bool] = mapped_column(Boolean, default=False)
    """Staff did something with it (a meeting, a plan, a note): a clearing no longer makes it an error."""
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))
    proposed_outcome: Mapped[str | None] = mapped_column(String(20))
    """The outcome the case is proposed to close with (a goal met at review); staff close it."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseReason(Base):
    """A rule whose crossing opened or joined the case; standing until it clears."""

    __tablename__ = "case_reason"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    standing: Mapped[bool] = mapped_column(Boolean)
    crossing_event_id: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseEntry(Base):
    """One line of a case's timeline and audit: who did what, when."""

    __tablename__ = "case_entry"

    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    """`system`, or the staff id who made the change."""
    what: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(Encrypted(json=True))
    """Encrypted at rest: a closing holds the note staff typed."""
