"""Outreach items (one per crossing, channel and household) and numbers that opted out of texts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.encrypted_rows import blind_index_column
from rollcall_shared.encryption import Encrypted

from notifications.base import ID, Base


class OutreachItem(Base):
    __tablename__ = "outreach_item"
    __table_args__ = (
        Index("ix_outreach_item_district_student", "district_id", "student_id"),
        Index("ix_outreach_item_due", "status", "not_before"),
        Index("ix_outreach_item_district_status", "district_id", "status"),
        Index("ix_outreach_item_in_flight", "sending_since", postgresql_where=text("sending_since IS NOT NULL"),
              sqlite_where=text("sending_since IS NOT NULL")),  # fmt: skip
    )

    outreach_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """Deterministic: the same crossing, channel and kind always name the same item."""
    district_id: Mapped[str] = mapped_column(ID)
    student_id: Mapped[str] = mapped_column(ID)
    school_id: Mapped[str] = mapped_column(ID)
    school_year: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(32))
    crossing_event_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """`notice`, or `correction` when a letter that went out is withdrawn."""
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    household_id: Mapped[str] = mapped_column(String(36))
    recipient_id: Mapped[str | None] = mapped_column(ID)
    """The guardian's contact id; the details are read from the roster at sending time."""
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """In flight: set when a sender claims the item, set again (committed) right before each provider call."""
    sender_id: Mapped[str | None] = mapped_column(String(32))
    """The sender (one per process) holding the claim; a provider is called only while it still holds it."""
    calling: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A provider call began under the current claim and its answer is not recorded: it may have arrived."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Provider calls made; the wait after one the provider did not take grows with it."""
    merged_into: Mapped[str | None] = mapped_column(String(36))
    provider_id: Mapped[str | None] = mapped_column(String(200), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    days_missed: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    content: Mapped[dict[str, Any] | None] = mapped_column(Encrypted(json=True))
    """What was sent (or printed), kept so a letter reprints exactly: names and an address, so encrypted."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OptOut(Base):
    """A phone number that replied STOP to one of our sending numbers, found by its blind index.

    Kept per sending number, not per district: every district that sends from the number stops texting it
    until it replies START (TCPA and CTIA: an opt-out applies to the number it was sent to).
    """

    __tablename__ = "sms_opt_out"

    sender: Mapped[str] = mapped_column(String(20), primary_key=True)
    """Our number the reply was sent to, E.164 (`NOTIFICATIONS_SMS_FROM`)."""
    phone_index: Mapped[str] = blind_index_column("phone", primary_key=True)
    phone: Mapped[str] = mapped_column(Encrypted())
    """E.164; kept so the index can be made again under a new index key."""
    district_id: Mapped[str] = mapped_column(ID)
    """The district whose callback recorded the reply (its texts were the ones answered)."""
    opted_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
