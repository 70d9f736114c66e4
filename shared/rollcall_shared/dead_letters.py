"""Dead letters: a message a consumer could not process, queued through the outbox with why and where from."""

from __future__ import annotations

from aiokafka.structs import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import topics
from rollcall_shared.metrics import DEAD_LETTERS, count_on_commit
from rollcall_shared.outbox import Outbox


async def dead_letter(outbox: Outbox, session: AsyncSession, record: ConsumerRecord, reason: str, group: str) -> None:
    """Queue the record on `rollcall.dead-letter.v1` in the caller's transaction."""
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    headers |= {
        "x-dead-letter-reason": reason[:1000],
        "x-dead-letter-source": f"{record.topic}/{record.partition}/{record.offset}",
        "x-dead-letter-consumer": group,
    }
    key = record.key.decode(errors="replace") if record.key else ""
    await outbox.add(session, [(topics.DEAD_LETTER, key, record.value or b"", headers)])
    count_on_commit(session, DEAD_LETTERS, group=group, topic=record.topic)
