"""The plans service on the real broker and a migrated Postgres, with a school team, per test module."""

from __future__ import annotations

import uuid

import pytest

from plans.app import create_app as plans_app
from plans.settings import Settings
from tests.plans.caseload import SCHOOL, Plans
from tests.support.stack import serve


@pytest.fixture(scope="module")
async def plans(kafka_bootstrap, databases):
    district_id = f"test-{uuid.uuid4().hex[:10]}"
    run = uuid.uuid4().hex[:6]
    database_url = databases.create(f"pl_plans_{run}", migrate="plans")
    app = plans_app(Settings(
        database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, consumer_group=f"plans-{run}",
        outbox_poll_seconds=0.05,
    ))  # fmt: skip
    async with serve(app) as api:
        base = f"/v1/districts/{district_id}"
        for staff_id, name in (("s-ana", "Ana Ruiz"), ("s-ben", "Ben Cole"), ("s-cy", "Cy Dunn")):
            assert (await api.put(f"{base}/staff/{staff_id}", json={"name": name, "role": "counselor"})).status_code == 200
        answer = await api.put(f"{base}/schools/{SCHOOL}/team", json={"staffIds": ["s-ana", "s-ben"]})
        assert answer.status_code == 200, answer.text
        yield Plans(api, district_id, kafka_bootstrap, database_url, app)
