"""Students, contacts and student-contact associations, stored as their Ed-Fi documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encryption import Encrypted

from ingest.base import HASH, ID, Base


class RosterDocument(Base):
    """The current document of one roster resource; personal data stays in this table, encrypted."""

    __tablename__ = "roster_document"
    __table_args__ = (
        Index("ix_roster_document_student", "district_id", "student_id"),
        Index("ix_roster_document_contact", "district_id", "contact_id"),
    )

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(130), primary_key=True)
    student_id: Mapped[str | None] = mapped_column(ID)
    contact_id: Mapped[str | None] = mapped_column(ID)
    document: Mapped[dict[str, Any]] = mapped_column(Encrypted(json=True))
    """Names, addresses, phones and emails: ciphertext at rest (docs/security.md)."""
    content_hash: Mapped[str] = mapped_column(HASH)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
