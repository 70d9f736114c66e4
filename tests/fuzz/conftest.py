"""Every service's real app on a port of its own, against a broker of the fuzz's own and a migrated Postgres."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from notifications.settings import Settings as NotificationsSettings
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from tests.ingest.conftest import ingest  # noqa: F401  (the ingest service in-process, for the file tests)
from tests.support.broker import private_bootstrap
from tests.support.stack import serve_in_thread


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The fuzz floods its broker: one of its own, so later tests' new consumer groups need not read through it."""
    yield from private_bootstrap()


@pytest.fixture(scope="session")
def service_urls(kafka_bootstrap: str, databases) -> Iterator[dict[str, str]]:
    """Service name -> its URL; the four run until the end of the session."""
    run = uuid.uuid4().hex[:6]

    def common(name: str) -> dict[str, object]:
        return {"database_url": databases.create(f"fz_{name}", migrate=name), "kafka_bootstrap_servers": kafka_bootstrap,
                "topic_partitions": 4, "log_json": False, "consumer_group": f"fz-{name}-{run}"}  # fmt: skip

    with ExitStack() as running:
        ingest = ingest_app(IngestSettings(**common("ingest"), rate_limit="1000/second"))
        urls = {"ingest": running.enter_context(serve_in_thread(ingest))}
        apps = {
            "eligibility": eligibility_app(EligibilitySettings(**common("eligibility"))),
            "notifications": notifications_app(NotificationsSettings(
                **common("notifications"), ingest_url=urls["ingest"],
            )),
            "plans": plans_app(PlansSettings(**common("plans"))),
        }  # fmt: skip
        with ThreadPoolExecutor(len(apps)) as starting:  # each start waits for its consumer group: in parallel
            started = starting.map(lambda app: running.enter_context(serve_in_thread(app)), apps.values())
            urls.update(zip(apps, started))
        yield urls
