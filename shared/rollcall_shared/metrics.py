"""Prometheus metrics: what every service exposes at `/metrics`, and counts that move only once their work commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

HTTP_REQUESTS = Histogram(
    "rollcall_http_request_duration_seconds", "HTTP requests by route template and status",
    ["service", "method", "route", "status"],
)  # fmt: skip
EVENTS_CONSUMED = Counter("rollcall_events_consumed_total", "Messages read, by consumer group and topic", ["group", "topic"])
EVENTS_PUBLISHED = Counter("rollcall_events_published_total", "Messages the outbox relay published", ["service", "topic"])
DEAD_LETTERS = Counter(
    "rollcall_dead_letters_total", "Messages sent to the dead-letter topic, by consumer group and source topic",
    ["group", "topic"],
)  # fmt: skip
CONSUMER_LAG = Gauge("rollcall_consumer_lag", "Messages on the topic not yet read by the group", ["group", "topic"])
OUTBOX_BACKLOG = Gauge("rollcall_outbox_backlog", "Messages waiting in the service's outbox", ["service"])
OUTBOX_AGE = Gauge("rollcall_outbox_oldest_age_seconds", "Age of the oldest message waiting in the outbox", ["service"])
OUTBOX_PARKED = Counter(
    "rollcall_outbox_parked_total", "Outbox messages the broker refused for good, moved to the parked table",
    ["service", "topic"],
)  # fmt: skip
OUTBOX_PARKED_ROWS = Gauge(
    "rollcall_outbox_parked_messages", "Messages in the service's parked table, waiting for an operator", ["service"]
)
INBOX_PRUNED = Counter("rollcall_inbox_pruned_total", "Inbox ids deleted once older than the retention", ["service"])
CONSUMER_OUTAGES = Counter(
    "rollcall_consumer_outages_total", "Batches handed back for redelivery, after a wait, because of an outage",
    ["group", "topic"],
)  # fmt: skip


def count_on_commit(session: AsyncSession, metric: MetricWrapperBase, amount: float = 1, **labels: str) -> None:
    """Count once the session's transaction commits; a rolled back (and retried) batch counts nothing."""
    session.sync_session.info.setdefault("rollcall_counts", []).append((metric, labels, amount))


@event.listens_for(Session, "after_commit")
def _counted(session: Session) -> None:
    for metric, labels, amount in session.info.pop("rollcall_counts", ()):
        metric.labels(**labels).inc(amount)


@event.listens_for(Session, "after_rollback")
def _not_counted(session: Session) -> None:
    session.info.pop("rollcall_counts", None)


Sample = Callable[[], Awaitable[None]]


async def sample_every(seconds: float, samples: list[Sample]) -> None:
    """Refresh gauges (backlogs, lag, open cases) on a schedule; a failing sample waits for the next round."""
    while True:
        for sample in samples:
            try:
                await sample()
            except Exception as error:  # the broker or database is down: /readyz says so; keep trying
                log.warning("metrics sample %s failed: %s", getattr(sample, "__name__", "?"), type(error).__name__)
        await asyncio.sleep(seconds)


def outbox_sample(service: str, backlog: Callable[[], Awaitable[tuple[int, datetime | None]]]) -> Sample:
    async def outbox_backlog() -> None:
        count, oldest = await backlog()
        OUTBOX_BACKLOG.labels(service=service).set(count)
        OUTBOX_AGE.labels(service=service).set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)

    return outbox_backlog


def parked_sample(service: str, parked: Callable[[], Awaitable[int]]) -> Sample:
    async def parked_messages() -> None:
        OUTBOX_PARKED_ROWS.labels(service=service).set(await parked())

    return parked_messages


def lag_sample(bootstrap: str, subscriptions: list[tuple[str, str]]) -> Sample:
    """Each (group, topic)'s lag: the topic's end offsets less the group's committed offsets, summed over partitions."""
    from rollcall_shared.broker import consumer_lags

    async def consumer_lag() -> None:
        if subscriptions:
            for (group, topic), lags in (await asyncio.to_thread(consumer_lags, bootstrap, subscriptions)).items():
                CONSUMER_LAG.labels(group=group, topic=topic).set(sum(lags.values()))

    return consumer_lag
