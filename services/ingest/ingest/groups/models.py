"""The documents students' report groups are built from: education organization and program associations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ingest.base import HASH, ID, Base


class GroupDocument(Base):
    """The current document of one key; it keeps only the fields ingest reads (no contact details)."""

    __tablename__ = "group_document"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    """The rest of the Ed-Fi key: the education organization, and a program association's program and begin date."""
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupedStudent(Base):
    """A student with group documents; a batch locks its row before reading them, so it sees every other's writes."""

    __tablename__ = "grouped_student"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
