"""The plans service's ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from rollcall_shared.audit import audit_router
from rollcall_shared.encryption import use_key_ring
from rollcall_shared.service import Runtime, create_service_app

from plans.base import AuditEntry, InboxMessage, OutboxMessage, ParkedMessage
from plans.cases import repository
from plans.cases.endpoints import router as cases
from plans.cases.service import Caseworker
from plans.consumers import subscribe
from plans.export.endpoints import router as export
from plans.plan.endpoints import router as plan
from plans.publishers import OPEN_CASES
from plans.reports.endpoints import router as reports
from plans.settings import Settings
from plans.staff.endpoints import router as staff


@contextlib.asynccontextmanager
async def resources(rt: Runtime) -> AsyncIterator[None]:
    """The key ring of notes, meetings and timelines, before anything reads them; the caseworker."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    use_key_ring(rt.database.engine, settings.contact_key_ring())
    rt.services["caseworker"] = Caseworker(follow_up_days=settings.follow_up_days)

    async def open_cases() -> None:
        async with rt.database.sessions() as session:
            for tier, count in await repository.open_by_tier(session):
                OPEN_CASES.labels(tier=str(tier)).set(count)

    rt.samples.append(open_cases)
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall plans",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        parked_model=ParkedMessage,
        inbox_model=InboxMessage,
        routers=[cases, export, plan, reports, staff, audit_router(AuditEntry)],
        subscribe=subscribe,
        resources=resources,
    )
