"""The eligibility service's ASGI app."""

from fastapi import FastAPI

from rollcall_shared.service import create_service_app

from eligibility.consumers import subscribe
from eligibility.endpoints import router
from eligibility.models import OutboxMessage
from eligibility.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall eligibility",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        routers=[router],
        subscribe=subscribe,
    )
