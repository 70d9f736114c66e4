"""Keyset pagination for every list: `?limit=&cursor=` in, `{"items": [...], "next": cursor | null}` out.

A page is the rows after the last key of the page before, in key order: stable while rows come and go, and as cheap
on the thousandth page as on the first. The cursor is opaque to callers (the last key, base64url).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query

from rollcall_shared.problems import Problem
from rollcall_shared.schemas import Camel

T = TypeVar("T")
Row = TypeVar("Row")


class Page(Camel, Generic[T]):
    items: list[T]
    next: str | None


@dataclass(frozen=True)
class Keyset:
    """Where a page starts (after `after`, a key) and how long it is."""

    after: str | None
    limit: int

    def query(self, query: Any, key: Any, parse: Callable[[str], Any] = str) -> Any:
        """`query` narrowed to this page: the rows after the cursor's key in `key` order, one more than the page holds
        (which tells whether a next page exists). `parse` makes the cursor's text a value of the key (e.g. `int`)."""
        if self.after is not None:
            try:
                after = parse(self.after)
            except ValueError:
                raise Problem(400, "Invalid request", "cursor: not a cursor this API gave; start again without it") from None
            query = query.where(key > after)
        return query.order_by(key).limit(self.limit + 1)

    def page(self, rows: Sequence[Row], key: Callable[[Row], Any]) -> tuple[list[Row], str | None]:
        """The rows of this page, and the cursor of the next one (None on the last page)."""
        shown = list(rows[: self.limit])
        return shown, (encode(str(key(shown[-1]))) if len(rows) > self.limit else None)


def encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode(cursor: str | None) -> str | None:
    """The key a cursor names; a 400 problem for one this API never gave."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(400, "Invalid request", "cursor: not a cursor this API gave; start again without it") from None


def _keyset(
    limit: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 100,
    cursor: Annotated[str | None, Query(max_length=400, description="the `next` of the previous page")] = None,
) -> Keyset:
    return Keyset(decode(cursor), limit)


Paged = Annotated[Keyset, Depends(_keyset)]
"""A list endpoint's parameter: `page: Paged` (reads `limit` and `cursor`)."""
