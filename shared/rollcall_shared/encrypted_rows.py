"""Stored tokens of encrypted columns rewritten in primary-key order, a batch at a time.

Migrations encrypt (or decrypt) what a table already holds; `rollcall keys rotate` makes every
token again with the newest key and brings blind indexes up to the index key. Columns are read and
written as stored text, never through `Encrypted`, and a row a service rewrote meanwhile is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, String, Text, bindparam, column, select, table, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import MappedColumn, mapped_column

from rollcall_shared.encryption import Encrypted, InvalidToken, KeyRing

BLIND_INDEX_OF = "blind_index_of"

Rewrite = Callable[[dict[str, Any]], dict[str, Any]]
"""A row's stored values -> the columns to change, with their new values (empty: leave the row)."""


def blind_index_column(of: str, **options: Any) -> MappedColumn[Any]:
    """A column of blind indexes (HMAC-SHA256, hex) of the `Encrypted` column named `of`."""
    return mapped_column(String(64), info={BLIND_INDEX_OF: of}, **options)


@dataclass(frozen=True)
class EncryptedTable:
    name: str
    keys: tuple[str, ...]
    """Its primary key, the order rows are walked in."""
    columns: tuple[str, ...]
    """Its encrypted columns."""
    indexes: dict[str, str] = field(default_factory=dict)
    """Blind index column -> the encrypted column it indexes."""

    @property
    def read(self) -> list[str]:
        return list(dict.fromkeys((*self.keys, *self.columns, *self.indexes)))


def encrypted_tables(metadata: MetaData) -> list[EncryptedTable]:
    """Every table of a service's metadata that has an `Encrypted` column."""
    found = []
    for each in metadata.sorted_tables:
        columns = tuple(c.name for c in each.columns if isinstance(c.type, Encrypted))
        if columns:
            indexes = {c.name: c.info[BLIND_INDEX_OF] for c in each.columns if BLIND_INDEX_OF in c.info}
            found.append(EncryptedTable(each.name, tuple(c.name for c in each.primary_key.columns), columns, indexes))
    return found


def rewrite_batch(
    connection: Connection, encrypted: EncryptedTable, rewrite: Rewrite, *, after: Sequence[Any] | None, limit: int
) -> tuple[tuple[Any, ...] | None, int, int]:
    """The next `limit` rows after the key `after`: the last key read, the rows read and the rows rewritten."""
    stored = table(
        encrypted.name, *(column(name) if name in encrypted.keys else column(name, Text) for name in encrypted.read)
    )
    keys = [stored.c[name] for name in encrypted.keys]
    query = select(*stored.c).order_by(*keys).limit(limit)
    if after is not None:
        query = query.where(tuple_(*keys) > tuple_(*after))
    rows = [dict(row) for row in connection.execute(query).mappings()]
    changes = []
    for row in rows:
        if new := rewrite(row):
            changes.append({f"old_{k}": v for k, v in row.items()} | {f"new_{k}": v for k, v in (row | new).items()})
    if changes:
        still_as_read = [
            stored.c[name] == bindparam(f"old_{name}") if name in encrypted.keys
            else stored.c[name].is_not_distinct_from(bindparam(f"old_{name}"))
            for name in encrypted.read
        ]  # fmt: skip
        connection.execute(
            update(stored).where(*still_as_read).values({name: bindparam(f"new_{name}") for name in encrypted.read}),
            changes,
        )
    last = tuple(rows[-1][name] for name in encrypted.keys) if rows else None
    return last, len(rows), len(changes)


def rewrite_all(connection: Connection, encrypted: EncryptedTable, rewrite: Rewrite, *, batch_size: int = 1000) -> int:
    """Every row, in the caller's transaction (a migration's); returns how many were rewritten."""
    after, rewritten = None, 0
    while True:
        after, read, changed = rewrite_batch(connection, encrypted, rewrite, after=after, limit=batch_size)
        rewritten += changed
        if read < batch_size:
            return rewritten


def encrypting(ring: KeyRing, columns: Sequence[str]) -> Rewrite:
    """Plain stored values of `columns` made tokens."""
    return lambda row: {name: ring.encrypt(row[name]) for name in columns if row[name] is not None}


def decrypting(ring: KeyRing, columns: Sequence[str]) -> Rewrite:
    """Tokens of `columns` made plain values again (a migration's downgrade)."""
    return lambda row: {name: ring.decrypt(row[name]) for name in columns if row[name] is not None}


@dataclass
class Rotation:
    """Tokens not made by the newest key made again with it; blind indexes brought up to the index key."""

    ring: KeyRing
    encrypted: EncryptedTable
    unreadable: int = 0
    """Rows with a token no key of the ring made: left as they are."""

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        try:
            new = {
                name: self.ring.rotate(row[name])
                for name in self.encrypted.columns
                if row[name] is not None and not self.ring.is_newest(row[name])
            }
            for index, of in self.encrypted.indexes.items():
                if row[of] is not None and (value := self.ring.blind_index(self.ring.decrypt(row[of]))) != row[index]:
                    new[index] = value
        except InvalidToken:
            self.unreadable += 1
            return {}
        return new
