"""The notifications service's ASGI app."""

from rollcall_shared.service import create_service_app

from notifications.models import OutboxMessage
from notifications.settings import Settings


def create_app(settings: Settings | None = None):
    return create_service_app(
        title="Rollcall notifications", settings=settings or Settings(), outbox_model=OutboxMessage
    )
