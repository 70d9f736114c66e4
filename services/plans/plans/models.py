"""Plans's tables."""

from sqlalchemy.orm import DeclarativeBase

from rollcall_shared.db import service_metadata
from rollcall_shared.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass
