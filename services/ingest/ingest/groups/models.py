"""The documents students' report groups are built from: education organization and program associations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encryption import Encrypted

from ingest.base import ID, Base

DOCUMENTS_PADDING = 512
"""Bytes a student's documents are padded to a multiple of: a token's length tells little of what they say."""


class GroupedStudent(Base):
    """A student's current group documents, one token; a batch locks the row before reading them, so it sees
    every other batch's writes.

    Sex, race, programs (special education, school meals, homelessness, foster care) and even which resources a
    student has are FERPA-sensitive: all of it is encrypted at rest, keys included, as one value per student
    (docs/security.md).
    """

    __tablename__ = "grouped_student"

    district_id: Mapped[str] = mapped_column(ID, primary_key=True)
    student_id: Mapped[str] = mapped_column(ID, primary_key=True)
    documents: Mapped[dict[str, Any] | None] = mapped_column(Encrypted(json=True, pad_to=DOCUMENTS_PADDING))
    """The rest of each document's Ed-Fi key -> `{"resource", "resourceId", "document", "recordedAt"}`; the
    document keeps only the fields ingest reads (no contact details). None until the first is written."""
