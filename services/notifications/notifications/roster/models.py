"""Notifications' projection of the roster: students, guardians (names and details encrypted), who lives with whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encryption import Encrypted

from notifications.base import ID, Base


class Student(Base):
    __tablename__ = "student"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    first_name: Mapped[str] = mapped_column(Encrypted())
    last_name: Mapped[str] = mapped_column(Encrypted())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Guardian(Base):
    """A contact of the SIS; only what outreach needs to reach them."""

    __tablename__ = "guardian"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    contact_id: Mapped[str] = mapped_column(ID, primary_key=True)
    first_name: Mapped[str] = mapped_column(Encrypted())
    last_name: Mapped[str] = mapped_column(Encrypted())
    language: Mapped[str | None] = mapped_column(String(8))
    """A supported language code (`en`, `es`), or none on file."""
    address: Mapped[str | None] = mapped_column(Encrypted())
    """The home (else first) postal address, one line per line."""
    email: Mapped[str | None] = mapped_column(Encrypted())
    mobile: Mapped[str | None] = mapped_column(Encrypted())
    """A number that takes text messages, in E.164."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudentGuardian(Base):
    __tablename__ = "student_guardian"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    contact_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    relation: Mapped[str | None] = mapped_column(String(60))
    primary_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_with: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
