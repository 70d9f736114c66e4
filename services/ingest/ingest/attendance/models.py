"""The current daily and section (period) attendance record of each key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ingest.base import HASH, ID, Base


class DailyAttendance(Base):
    """One current record per (district, student, school, date)."""

    __tablename__ = "daily_attendance"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SectionAttendance(Base):
    """One current record per (district, student, section, date)."""

    __tablename__ = "section_attendance"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    section_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID)
    category: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
