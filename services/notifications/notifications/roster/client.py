"""Reads roster documents from ingest over REST: contact details never travel on Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

MAX_IDS = 500
"""Ingest answers at most this many ids per request."""

Documents = dict[str, list[dict[str, Any]]]


class RosterClient:
    def __init__(self, *, base_url: str, client: httpx.AsyncClient, auth: httpx.Auth) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.auth = auth

    async def fetch(self, district_id: str, *, student_ids: Sequence[str], contact_ids: Sequence[str]) -> Documents:
        """The current documents of the students and contacts, and every association of either."""
        found: Documents = {"students": [], "contacts": [], "studentContactAssociations": []}
        ids = [("studentId", value) for value in student_ids] + [("contactId", value) for value in contact_ids]
        for start in range(0, len(ids), MAX_IDS):
            answer = await self.client.get(
                f"{self.base_url}/v1/districts/{district_id}/roster", params=ids[start : start + MAX_IDS], auth=self.auth
            )
            answer.raise_for_status()
            for resource, documents in answer.json().items():
                found.setdefault(resource, []).extend(documents)
        return found
