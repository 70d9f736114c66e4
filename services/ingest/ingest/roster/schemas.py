"""The roster API's shapes: stored Ed-Fi documents, exactly as they were stored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_IDS = 500
"""Student and contact ids one read may name, together."""

Document = dict[str, Any]


class RosterDocuments(BaseModel):
    """The named students and contacts, and every association of any of them; unknown ids are absent."""

    model_config = ConfigDict(populate_by_name=True)

    students: list[Document] = Field(description="Ed-Fi Student documents")
    contacts: list[Document] = Field(description="Ed-Fi Contact documents")
    student_contact_associations: list[Document] = Field(
        alias="studentContactAssociations",
        description="Ed-Fi StudentContactAssociation documents of a named student or a named contact",
    )
