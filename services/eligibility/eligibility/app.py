"""The eligibility service's ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from rollcall_shared.encryption import use_key_ring
from rollcall_shared.service import Runtime, create_service_app

from eligibility.consumers import subscribe
from eligibility.endpoints import router
from eligibility.models import InboxMessage, OutboxMessage, ParkedMessage
from eligibility.rebuild_jobs import RebuildJobs
from eligibility.reports.endpoints import router as reports_router
from eligibility.school_endpoints import router as school_router
from eligibility.settings import Settings


@contextlib.asynccontextmanager
async def resources(rt: Runtime) -> AsyncIterator[None]:
    """The key ring of the students' report groups (attached before any event or report reads them), and the rebuild
    jobs' runner, for the app's lifetime."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    use_key_ring(rt.database.engine, settings.contact_key_ring())
    jobs = RebuildJobs(database=rt.database, relay=rt.relay, settings=settings)
    rt.services["rebuilds"] = jobs
    rt.tasks.append(asyncio.create_task(jobs.run(), name="rebuilds"))
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall eligibility",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        parked_model=ParkedMessage,
        inbox_model=InboxMessage,
        routers=[router, school_router, reports_router],
        subscribe=subscribe,
        resources=resources,
    )
