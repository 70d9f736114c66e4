"""The declarative base of ingest's tables, its outbox and its parked messages."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from rollcall_shared.db import service_metadata
from rollcall_shared.outbox import OutboxMixin
from rollcall_shared.parked import ParkedMixin

ID = String(64)
HASH = String(32)


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class ParkedMessage(ParkedMixin, Base):
    pass
