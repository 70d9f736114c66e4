"""The declarative base of ingest's tables, and its outbox."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from rollcall_shared.db import service_metadata
from rollcall_shared.outbox import OutboxMixin

ID = String(64)
HASH = String(32)


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass
