"""The plans service's ASGI app."""

from rollcall_shared.service import create_service_app

from plans.models import OutboxMessage
from plans.settings import Settings


def create_app(settings: Settings | None = None):
    return create_service_app(
        title="Rollcall plans", settings=settings or Settings(), outbox_model=OutboxMessage
    )
