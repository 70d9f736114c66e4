"""The current record of each key: set-wise writes that report which records changed it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import insert_for, is_postgres, unnest_rows
from rollcall_shared.events import IngestEvent

R = TypeVar("R")


def content_hash(*values: object) -> str:
    """The same content always gives the same hash; a repeat of the current record is a duplicate."""
    text = json.dumps(values, default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class Applied:
    """What a batch did: the records that changed their key, with their events by record index."""

    changes: list[tuple[int, IngestEvent]] = field(default_factory=list)
    accepted: int = 0
    """Records that changed the current record of their key."""
    duplicates: int = 0
    consequences: list[IngestEvent] = field(default_factory=list)
    """Events a change implies for others (e.g. students of a school), after the changes."""
    regrouped: set[str] = field(default_factory=set)
    """Students whose group documents changed: each hears of its whole picture once the batch is written."""

    @classmethod
    def of(
        cls,
        records: Sequence[tuple[int, Any]],
        rows: Sequence[R],
        changed: Sequence[bool],
        event: Callable[[R], IngestEvent],
    ) -> Applied:
        """One event, made from its row, per indexed record that changed its key."""
        applied = cls()
        for (index, _), row, did_change in zip(records, rows, changed, strict=True):
            if did_change:
                applied.changes.append((index, event(row)))
                applied.accepted += 1
            else:
                applied.duplicates += 1
        return applied


async def write_current(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> list[bool]:
    """Make each row the current record of its primary key, in order; True where it changed it.

    Each key's first row is compared with the stored record in one upsert (keys sorted, so
    concurrent batches lock rows in the same order); a later row of the same key is compared
    with the row before it, and the key's last row is then written.
    """
    keys = [part.name for part in table.primary_key.columns]
    key_of = [tuple(row[name] for name in keys) for row in rows]
    changed = [False] * len(rows)
    first: dict[tuple[Any, ...], int] = {}
    last: dict[tuple[Any, ...], int] = {}
    for position, key in enumerate(key_of):
        if key in last:
            changed[position] = rows[position]["content_hash"] != rows[last[key]]["content_hash"]
        else:
            first[key] = position
        last[key] = position
    stored = await _upsert(session, table, keys, [rows[first[key]] for key in sorted(first)])
    for key, position in first.items():
        changed[position] = key in stored
    finals = [
        rows[last[key]]
        for key in sorted(first)
        if rows[last[key]]["content_hash"] != rows[first[key]]["content_hash"]
    ]
    await _upsert(session, table, keys, finals)
    return changed


async def _upsert(
    session: AsyncSession, table: Table, keys: list[str], rows: list[dict[str, Any]]
) -> set[tuple[Any, ...]]:
    """Insert or replace rows whose content differs; returns the keys written."""
    if not rows:
        return set()
    names = list(rows[0])
    statement = insert_for(session, table)
    postgres = is_postgres(session)
    if postgres:  # one array per column: a single statement, however many rows
        statement = statement.from_select(names, unnest_rows(table, rows))
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: statement.excluded[name] for name in names if name not in keys},
        where=table.c.content_hash != statement.excluded.content_hash,
    ).returning(*(table.c[name] for name in keys))
    result = await session.execute(statement, None if postgres else rows)
    return {tuple(row) for row in result}

