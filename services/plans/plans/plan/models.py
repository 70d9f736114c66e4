"""What a case's plan holds; every row names the staff member who recorded it.

Free text typed by staff and the family's names are encrypted at rest (docs/security.md): they can hold anything
about a family. Codes, ids and dates stay in the clear for the queries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encryption import Encrypted

from plans.base import ID, Base

SERIAL = BigInteger().with_variant(Integer, "sqlite")


class Recorded:
    recorded_by: Mapped[str] = mapped_column(ID)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanBarrier(Recorded, Base):
    """A root cause of the student's absences, a code of the taxonomy."""

    __tablename__ = "plan_barrier"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class PlanGoal(Recorded, Base):
    """The SMART goal: at most `max_absences` absences over the `school_days` school days from `start_date`."""

    __tablename__ = "plan_goal"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    max_absences: Mapped[int] = mapped_column(Integer)
    school_days: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(10))
    """`met` or `missed`, once the window's last school day has closed."""
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    """The window's last school day, once decided."""
    absences: Mapped[int | None] = mapped_column(Integer)
    """Absences over the window, once decided."""
    off_track_on: Mapped[date | None] = mapped_column(Date)
    """When more absences than allowed were first seen, before the review."""


class PlanIntervention(Recorded, Base):
    __tablename__ = "plan_intervention"

    intervention_id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    code: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[str] = mapped_column(ID)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))


class PlanMeeting(Recorded, Base):
    """A meeting about the plan; the plan is made and shared even when the family does not come."""

    __tablename__ = "plan_meeting"

    meeting_id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    staff_ids: Mapped[list[str]] = mapped_column(JSON)
    family_members: Mapped[list[str]] = mapped_column(Encrypted(json=True))
    family_attended: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Encrypted())


class PlanNote(Recorded, Base):
    __tablename__ = "plan_note"

    note_id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    text: Mapped[str] = mapped_column(Encrypted())


class PlanAcknowledgement(Recorded, Base):
    """The family's acknowledgement of the plan."""

    __tablename__ = "plan_acknowledgement"

    acknowledgement_id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    acknowledged_on: Mapped[date] = mapped_column(Date)
    acknowledged_by: Mapped[str] = mapped_column(Encrypted())
    how: Mapped[str] = mapped_column(String(10))
