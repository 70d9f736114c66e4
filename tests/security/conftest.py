"""Every service on the real broker and a migrated Postgres, called with tokens the test chooses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from eligibility.app import create_app as eligibility_app
from eligibility.settings import Settings as EligibilitySettings
from ingest.app import create_app as ingest_app
from ingest.settings import Settings as IngestSettings
from notifications.app import create_app as notifications_app
from notifications.settings import Settings as NotificationsSettings
from plans.app import create_app as plans_app
from plans.settings import Settings as PlansSettings
from rollcall_shared.auth import SERVICES
from rollcall_shared.tokens import CLIENT_ISSUER, SigningKeys
from tests.support.auth import KEYS
from tests.support.stack import serve


@dataclass
class Services:
    ingest: httpx.AsyncClient
    eligibility: httpx.AsyncClient
    notifications: httpx.AsyncClient
    plans: httpx.AsyncClient
    ingest_database: str
    plans_database: str

    def of(self, name: str) -> httpx.AsyncClient:
        return getattr(self, name)


def token(
    district_id: str, *scopes: str, seconds: int = 300, keys: SigningKeys = KEYS, client: str = "rc_test",
    audience: tuple[str, ...] = SERVICES, issuer: str = CLIENT_ISSUER,
) -> dict[str, str]:  # fmt: skip
    """An Authorization header as the token endpoint would sign it (or, with `issuer`, another signer)."""
    signed = keys.issue(issuer=issuer, subject=client, district_id=district_id, scopes=scopes, audience=audience,
                        seconds=seconds)  # fmt: skip
    return {"Authorization": f"Bearer {signed}"}


@pytest.fixture(scope="module")
async def services(kafka_bootstrap, databases) -> AsyncIterator[Services]:
    run = uuid.uuid4().hex[:6]
    common = {"kafka_bootstrap_servers": kafka_bootstrap, "outbox_poll_seconds": 0.05}
    ingest_database = databases.create(f"sec_ingest_{run}", migrate="ingest")
    plans_database = databases.create(f"sec_plans_{run}", migrate="plans")
    apps = [
        ingest_app(IngestSettings(database_url=ingest_database, rate_limit="1000/minute", **common)),
        eligibility_app(EligibilitySettings(database_url=databases.create(f"sec_elig_{run}", migrate="eligibility"),
                                            consumer_group=f"sec-elig-{run}", **common)),
        notifications_app(NotificationsSettings(
            database_url=databases.create(f"sec_notif_{run}", migrate="notifications"),
            consumer_group=f"sec-notif-{run}", **common)),
        plans_app(PlansSettings(database_url=plans_database, consumer_group=f"sec-plans-{run}", **common)),
    ]  # fmt: skip
    async with serve(apps[0]) as ingest, serve(apps[1]) as eligibility, serve(apps[2]) as notifications, \
            serve(apps[3]) as plans:  # fmt: skip
        yield Services(ingest, eligibility, notifications, plans, ingest_database, plans_database)
