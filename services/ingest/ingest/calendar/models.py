"""Each school's calendar dates and how far its attendance is final."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from ingest.base import HASH, ID, Base


class CalendarDate(Base):
    """One current record per (district, school, date)."""

    __tablename__ = "calendar_date"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    instructional: Mapped[bool] = mapped_column(Boolean)
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SchoolClose(Base):
    """A school's `as_of`: the latest day whose attendance the SIS declared final."""

    __tablename__ = "school_close"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ID, primary_key=True)
    as_of: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
