"""What a service's Postgres database holds, read with plain SQL: no model, no key ring, no decryption."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def stored_bytes(database_url: str, district_id: str, *tables: str) -> bytes:
    """The district's rows of the tables as the server renders them (`SELECT t::text`), one a line.

    One district's rows only: a short name can turn up by chance in a large enough heap of base64.
    """
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            rows = [
                row
                for name in tables
                for row in connection.scalars(
                    text(f'SELECT "{name}"::text FROM "{name}" WHERE district_id = :d ORDER BY 1'), {"d": district_id}
                )
            ]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def stored_case_bytes(database_url: str, district_id: str, *tables: str) -> bytes:
    """As `stored_bytes`, for plans' tables of a case's rows (found through `intervention_case`)."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            rows = [
                row
                for name in tables
                for row in connection.scalars(text(
                    f'SELECT "{name}"::text FROM "{name}" JOIN intervention_case USING (case_id) '
                    "WHERE intervention_case.district_id = :d ORDER BY 1"
                ), {"d": district_id})
            ]  # fmt: skip
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def plaintext_in(stored: bytes, *values: str) -> list[str]:
    """The values found in `stored`: none, where contact details are encrypted."""
    return [value for value in values if value.encode() in stored]
