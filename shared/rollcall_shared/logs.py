"""JSON logs, one object a line, with a correlation id that follows a record from its HTTP request through every Kafka hop.

Log lines carry ids of Rollcall's own things (events, items, cases), rule ids and counts; never a
district, student or family detail. Request lines name the route's template, not its path.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiokafka.structs import ConsumerRecord
from pythonjsonlogger.json import JsonFormatter

CORRELATION_HEADER = "x-correlation-id"
"""On HTTP requests and responses (`X-Correlation-Id`) and on every Kafka message a request caused."""

QUIET = ("httpx", "httpcore", "kafka", "aiokafka", "rollcall_shared.broker")
"""Clients whose INFO lines are noise or name what they fetch (a URL's query holds student ids)."""

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class _Correlated(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = correlation_id.get()
        return True


def configure_logging(service: str, level: int = logging.INFO) -> None:
    """JSON on stderr for the whole process, uvicorn's loggers included; its access log is off (paths carry ids)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={"service": service},
    ))  # fmt: skip
    handler.addFilter(_Correlated())
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def correlated(value: str | None) -> Iterator[str | None]:
    """Log lines and outbox messages within carry `value`."""
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


def correlation_of(record: ConsumerRecord) -> str | None:
    header = dict(record.headers or ()).get(CORRELATION_HEADER)
    return header.decode(errors="replace") if header else None


def origin(error: BaseException) -> str:
    """`KeyError at …/service.py:120`: what failed and where, for a log line. Never the message, which may quote a
    student's or a family's data."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{type(error).__name__} at {frames[-1].filename}:{frames[-1].lineno}" if frames else type(error).__name__
