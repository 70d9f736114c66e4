"""The declarative base of plans' tables, its outbox (and parked messages), inbox and audit log."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from rollcall_shared.audit import AuditMixin
from rollcall_shared.db import service_metadata
from rollcall_shared.inbox import InboxMixin
from rollcall_shared.outbox import OutboxMixin
from rollcall_shared.parked import ParkedMixin

ID = String(64)


class Base(DeclarativeBase):
    metadata = service_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class ParkedMessage(ParkedMixin, Base):
    pass


class InboxMessage(InboxMixin, Base):
    pass


class AuditEntry(AuditMixin, Base):
    pass
