"""Plans' own read model of attendance, from `ingest.attendance.v1`: enough to count school days and absences."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from plans.base import ID, Base


class SchoolDay(Base):
    """An instructional day of a school whose attendance is final (closed)."""

    __tablename__ = "school_day"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class Enrollment(Base):
    __tablename__ = "enrollment"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, primary_key=True)
    exit_date: Mapped[date | None] = mapped_column(Date)


class DayRecord(Base):
    """A student's current daily record when it is not `In Attendance` (an absence, a tardy, a partial day)."""

    __tablename__ = "day_record"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int | None] = mapped_column(Integer)
