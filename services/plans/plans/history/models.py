"""A student's thresholds and outreach as plans heard them, for case timelines and referral packets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from plans.base import ID, Base


class ThresholdEntry(Base):
    """A `threshold.crossed` or `threshold.cleared` of any rule, Tier 1 included."""

    __tablename__ = "threshold_history"
    __table_args__ = (Index("ix_threshold_history_student", "district_id", "student_id", "school_year"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[str] = mapped_column(ID)
    student_id: Mapped[str] = mapped_column(ID)
    school_id: Mapped[str] = mapped_column(ID)
    school_year: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    rule_id: Mapped[str] = mapped_column(String(32))
    tier: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutreachEntry(Base):
    """One status change of an outreach item (a letter, an email, a text); never its content or address."""

    __tablename__ = "outreach_history"
    __table_args__ = (Index("ix_outreach_history_student", "district_id", "student_id"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[str] = mapped_column(ID)
    student_id: Mapped[str] = mapped_column(ID)
    outreach_id: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(32))
    crossing_event_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
