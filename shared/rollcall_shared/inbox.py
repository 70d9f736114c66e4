"""Inbox: the ids of the messages a consumer has applied, so a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import DateTime, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.db import insert_for, is_postgres


class InboxMixin:
    """Mix into a service's `Base` as `class InboxMessage(InboxMixin, Base)`."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


async def claim_new(session: AsyncSession, model: type[InboxMixin], event_ids: Iterable[str]) -> set[str]:
    """Record the ids in the caller's transaction; returns those never seen before."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert_for(session, table)
    if is_postgres(session):
        statement = statement.from_select(
            ["event_id"], select(func.unnest(bindparam("ids", ids, type_=ARRAY(table.c.event_id.type))))
        )
        parameters = None
    else:
        parameters = [{"event_id": event_id} for event_id in ids]
    statement = statement.on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id)
    return set((await session.execute(statement, parameters)).scalars())
