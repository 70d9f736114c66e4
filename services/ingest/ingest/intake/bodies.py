"""Reading request bodies within limits; a body that cannot be read is refused whole."""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from fastapi import Request

from rollcall_shared.problems import Problem

from ingest.edfi.errors import Unreadable

MAX_RECORDS = 10_000
JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


def media_type(request: Request, accepted: tuple[str, ...]) -> dict[str, str]:
    """Refuse any other content type (`+json` / `+xml` suffixes count); returns its parameters."""
    kind, *parameters = request.headers.get("content-type", "").split(";")
    kind = kind.strip().lower()
    suffix = "+" + accepted[0].rpartition("/")[2]
    if kind not in accepted and not kind.endswith(suffix):
        raise Problem(415, "Unsupported media type", f"send the body as {' or '.join(accepted)}")
    pairs = (parameter.partition("=") for parameter in parameters)
    return {name.strip().lower(): value.strip().strip('"') for name, _, value in pairs}


def charset(parameters: dict[str, str]) -> str:
    """The declared text encoding; UTF-8 (with or without a byte order mark) by default."""
    name = parameters.get("charset", "utf-8")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise Problem(415, "Unsupported media type", "unknown charset") from None
    if not codec._is_text_encoding:  # e.g. zlib or base64: bytes to bytes, a decompression bomb
        raise Problem(415, "Unsupported media type", f"{name} is not a text encoding")
    return "utf-8-sig" if codec.name == "utf-8" else codec.name


async def limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body chunk by chunk, refused once it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        yield chunk


async def json_records(request: Request, limit: int) -> list[object]:
    """One Ed-Fi resource or an array of up to 10,000, as a list."""
    media_type(request, JSON_TYPES)
    body = b"".join([chunk async for chunk in limited(request, limit)])
    try:
        document = json.loads(body)
    except json.JSONDecodeError as error:
        raise _unreadable(f"not JSON ({error.msg} at line {error.lineno}, column {error.colno})")
    except (ValueError, RecursionError):  # not UTF-8, nested too deep, a number of over 4,300 digits
        raise _unreadable("not JSON") from None
    if isinstance(document, dict):
        return [document]
    if not isinstance(document, list):
        raise _unreadable("expected an Ed-Fi resource (an object) or an array of them")
    if len(document) > MAX_RECORDS:
        raise Problem(413, "Too many records", f"at most {MAX_RECORDS:,} records per request")
    return document


@contextmanager
def unreadable_as_problem() -> Iterator[None]:
    try:
        yield
    except Unreadable as error:
        raise _unreadable(str(error)) from error


def _unreadable(detail: str) -> Problem:
    return Problem(400, "Unreadable body", f"{detail}; nothing of it was kept")


def _too_large(limit: int) -> Problem:
    return Problem(413, "Body too large", f"at most {limit:,} bytes; nothing of it was kept")
