"""The declarative base of plans' tables, its outbox and inbox."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from rollcall_shared.db import service_metadata
from rollcall_shared.inbox import InboxMixin
from rollcall_shared.outbox import OutboxMixin

ID = String(64)


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class InboxMessage(InboxMixin, Base):
    pass
