"""The ingest service's ASGI app."""

from fastapi import FastAPI

from rollcall_shared.service import create_service_app

from ingest.base import OutboxMessage, ParkedMessage
from ingest.calendar.endpoints import router as calendar_router
from ingest.clients.endpoints import router as token_router
from ingest.clients.rate import RateLimit
from ingest.intake.endpoints import router as intake_router
from ingest.roster.endpoints import router as roster_router
from ingest.roster.keys import contact_keys
from ingest.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        title="Rollcall ingest",
        settings=settings,
        outbox_model=OutboxMessage,
        parked_model=ParkedMessage,
        routers=[token_router, intake_router, calendar_router, roster_router],
        resources=contact_keys,
    )
    app.state.ingest_rate = RateLimit(settings.rate_limit, settings.rate_limit_storage)
    app.state.token_rate = RateLimit(settings.token_rate_limit, settings.rate_limit_storage)
    return app
