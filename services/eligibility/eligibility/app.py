"""The eligibility service's ASGI app."""

from fastapi import FastAPI

from rollcall_shared.service import create_service_app

from eligibility.consumers import subscribe
from eligibility.endpoints import router
from eligibility.models import InboxMessage, OutboxMessage, ParkedMessage
from eligibility.reports.endpoints import router as reports_router
from eligibility.school_endpoints import router as school_router
from eligibility.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall eligibility",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        parked_model=ParkedMessage,
        inbox_model=InboxMessage,
        routers=[router, school_router, reports_router],
        subscribe=subscribe,
    )
