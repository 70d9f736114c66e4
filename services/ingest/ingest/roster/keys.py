"""The key ring of the stored roster and group documents, attached to ingest's database when the app starts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from rollcall_shared.encryption import use_key_ring
from rollcall_shared.service import Runtime

from ingest.settings import Settings


@contextlib.asynccontextmanager
async def contact_keys(rt: Runtime) -> AsyncIterator[None]:
    """The service's resources: the documents are encrypted, so their ring comes before any request."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    use_key_ring(rt.database.engine, settings.contact_key_ring())
    yield
