"""Daily print batches: one per school per day, the letters clerks print and mail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifications.base import ID, Base


class LetterBatch(Base):
    __tablename__ = "letter_batch"
    __table_args__ = (UniqueConstraint("district_id", "school_id", "print_date"),)

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district_id: Mapped[str] = mapped_column(ID)
    school_id: Mapped[str] = mapped_column(ID)
    print_date: Mapped[date] = mapped_column(Date)
    letters: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Every letter due at print time is in it; a letter due later waits for the school's next batch."""
