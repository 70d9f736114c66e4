"""Enrollments (Ed-Fi StudentSchoolAssociation), current per entry date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index
from sqlalchemy.orm import Mapped, mapped_column

from ingest.base import HASH, ID, Base


class Enrollment(Base):
    """One current record per (district, student, school, entry date)."""

    __tablename__ = "enrollment"
    # A day close fans out to the students enrolled at one school.
    __table_args__ = (Index("ix_enrollment_school", "district_id", "school_id", "entry_date"),)

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date, primary_key=True)
    exit_date: Mapped[date | None] = mapped_column(Date)
    grade_level: Mapped[str | None] = mapped_column(ID)
    """The GradeLevelDescriptor code value of `entryGradeLevelDescriptor`."""
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
