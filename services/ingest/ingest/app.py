"""The ingest service's ASGI app."""

from fastapi import FastAPI

from rollcall_shared.service import create_service_app

from ingest.base import OutboxMessage, ParkedMessage
from ingest.calendar.endpoints import router as calendar_router
from ingest.clients.endpoints import TOKEN_BODY_BYTES, router as token_router
from ingest.clients.rate import RateLimit
from ingest.intake.endpoints import router as intake_router
from ingest.intake.service import RESOURCES
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
        body_limits=body_limits(settings),
    )
    app.state.ingest_rate = RateLimit(settings.rate_limit, settings.rate_limit_storage)
    app.state.token_rate = RateLimit(settings.token_rate_limit, settings.rate_limit_storage)
    return app


def body_limits(settings: Settings) -> dict[str, int]:
    """The uploads take large bodies (streamed and counted by their own readers too); the token endpoint a small one."""
    district = "/v1/districts/{district_id}"
    return {
        **{f"{district}/ed-fi/{name}": settings.max_body_bytes for name in RESOURCES},
        f"{district}/ed-fi/interchanges": settings.max_stream_bytes,
        f"{district}/csv/daily-attendance": settings.max_stream_bytes,
        "/oauth/token": TOKEN_BODY_BYTES,
    }
