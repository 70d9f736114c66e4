"""One running system for the faults that need no broker or providers of their own.

Ingest (on a real port: notifications reads the roster from it), eligibility, plans and notifications
run in this process on the run's broker, each on a database of its own; each test works in a district
of its own. Notifications holds texts and emails an hour, so nothing leaves and statuses stay readable.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from tests.support.broker import private_bootstrap
from tests.support.outside import notifications_settings
from tests.support.consumers import settled
from tests.support.stack import serve, serve_http


@dataclass
class Stack:
    bootstrap: str
    databases: dict[str, str]
    """Each service's database URL."""
    ingest: httpx.AsyncClient
    eligibility: httpx.AsyncClient
    plans: httpx.AsyncClient
    notifications: httpx.AsyncClient
    apps: list[FastAPI]
    """The four apps, running: what `settled` waits on."""

    async def settled(self) -> None:
        """Every consumer group of the four has read its topics and every outbox is empty."""
        await settled(self.bootstrap, apps=self.apps, timeout=180)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The suite's services run to the session's end: on a broker of their own, they never act on other tests' events."""
    yield from private_bootstrap()


@pytest.fixture(scope="session")
async def stack(kafka_bootstrap, databases) -> AsyncIterator[Stack]:
    run = uuid.uuid4().hex[:6]
    urls = {name: databases.create(f"ff_{name}_{run}", migrate=name)
            for name in ("ingest", "eligibility", "plans", "notifications")}  # fmt: skip
    common = {"kafka_bootstrap_servers": kafka_bootstrap, "outbox_poll_seconds": 0.05}
    ingest = ingest_app(IngestSettings(database_url=urls["ingest"], **common))
    eligibility = eligibility_app(EligibilitySettings(
        database_url=urls["eligibility"], consumer_group=f"eligibility-{run}", **common
    ))  # fmt: skip
    plans = plans_app(PlansSettings(database_url=urls["plans"], consumer_group=f"plans-{run}", **common))
    async with serve_http(ingest) as sis, serve(eligibility) as rules, serve(plans) as caseload:
        notifications = notifications_app(notifications_settings(
            database_url=urls["notifications"], consumer_group=f"notifications-{run}",
            ingest_url=str(sis.base_url).rstrip("/"), hold_seconds=3600, **common,
        ))  # fmt: skip
        async with serve(notifications) as families:
            yield Stack(kafka_bootstrap, urls, sis, rules, caseload, families, [ingest, eligibility, plans, notifications])
