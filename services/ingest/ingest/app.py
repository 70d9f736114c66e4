"""The ingest service's ASGI app."""

from fastapi import FastAPI

from rollcall_shared.service import create_service_app

from ingest.base import OutboxMessage
from ingest.calendar.endpoints import router as calendar_router
from ingest.intake.endpoints import router as intake_router
from ingest.roster.endpoints import router as roster_router
from ingest.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall ingest",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        routers=[intake_router, calendar_router, roster_router],
    )
