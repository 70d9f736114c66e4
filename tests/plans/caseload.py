"""A plans service for tests, its district's staff and school team, and what tests ask of it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from rollcall_shared import topics
from rollcall_shared.events import OutreachStatusChanged, ThresholdChanged, deterministic_id
from tests.notifications.family import change
from tests.support.events import Feed
from tests.support.consumers import settled
from tests.support.stack import publish, until

SCHOOL = "255901001"


class Plans:
    def __init__(self, api, district_id: str, bootstrap: str, database_url: str = "", app: FastAPI | None = None) -> None:
        self.api = api
        self.app = app
        """The running service, for its clock and what it has still to do."""
        self.district_id = district_id
        self.bootstrap = bootstrap
        self.database_url = database_url
        """Plans' migrated Postgres, for tests that read the stored rows themselves."""
        self.base = f"/v1/districts/{district_id}"

    async def send(self, *changes: ThresholdChanged) -> None:
        await publish(self.bootstrap, topics.THRESHOLDS, [
            (topics.student_key(c.district_id, c.student_id), c.to_json()) for c in changes
        ])  # fmt: skip

    async def attend(self, feed: Feed) -> None:
        """Attendance events onto ingest's topic, as ingest publishes them."""
        await publish(self.bootstrap, topics.ATTENDANCE, feed.messages())

    async def reach(self, *changes: OutreachStatusChanged) -> None:
        """Outreach status changes onto notifications' topic."""
        await publish(self.bootstrap, topics.OUTREACH, [
            (topics.student_key(c.district_id, c.student_id), c.to_json()) for c in changes
        ])  # fmt: skip

    async def case(self, case_id: str) -> dict[str, Any]:
        answer = await self.api.get(f"{self.base}/cases/{case_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def cases(self, **filters: Any) -> list[dict[str, Any]]:
        answer = await self.api.get(f"{self.base}/cases", params=filters)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    async def until(self, check, timeout: float = 30) -> Any:
        return await until(check, timeout)

    async def settled(self) -> None:
        """Every message on plans' topics read and everything it wrote published."""
        assert self.app is not None
        await settled(self.bootstrap, apps=[self.app])

    def today(self) -> date:
        """Today as the service counts it (its clock, in the districts' time zone)."""
        assert self.app is not None
        return self.app.state.clock.today()

    def monday(self) -> date:
        """The Monday of this week, by the service's clock."""
        return self.today() - timedelta(days=self.today().weekday())


def crossing(plans: Plans, student: str, rule: str, **kwargs: Any) -> ThresholdChanged:
    return change(plans.district_id, student, rule, **kwargs)


def outreach(crossed: ThresholdChanged, channel: str, *statuses: str) -> list[OutreachStatusChanged]:
    """An outreach item for a crossing going through `statuses`, as notifications publishes them."""
    item = deterministic_id(crossed.event_id, channel)
    at = datetime.now(UTC)
    return [
        OutreachStatusChanged(
            event_id=deterministic_id(item, status), district_id=crossed.district_id, outreach_id=item,
            student_id=crossed.student_id, rule_id=crossed.rule_id, crossing_event_id=crossed.event_id, channel=channel,
            language="en", status=status, household_id=f"h-{crossed.student_id}", created_at=at,
            updated_at=at + timedelta(seconds=n), school_id=crossed.school_id,
        )
        for n, status in enumerate(statuses)
    ]  # fmt: skip


async def with_(plans: Plans, student: str, **wanted: Any) -> list[dict[str, Any]] | None:
    cases = await plans.cases(studentId=student)
    return cases if cases and all(cases[0][k] == v for k, v in wanted.items()) else None


async def all_of(plans: Plans, students: list[str]) -> list[dict[str, Any]] | None:
    cases = [case for s in students for case in await plans.cases(studentId=s)]
    return cases if len(cases) == len(students) else None


async def timeline_has(plans: Plans, case_id: str, change: str) -> bool:
    detail = (await plans.api.get(f"{plans.base}/cases/{case_id}")).json()
    return any(entry["detail"].get("change") == change for entry in detail["timeline"])
