"""Rebuild jobs in the background: any replica claims one, runs it a chunk at a time (each chunk its own
transaction), and a replica that stops answering has its job taken over where its last chunk left it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.logs import origin
from rollcall_shared.consuming import unavailable
from rollcall_shared.db import Database
from rollcall_shared.outbox import OutboxRelay

from eligibility import repository
from eligibility.models import Rebuild
from eligibility.rebuild import rebuild_chunk
from eligibility.settings import Settings

log = logging.getLogger(__name__)

RUNNER = f"{socket.gethostname()}/{os.getpid()}"
"""This replica, as a job names the one running it."""


class RebuildRunning(Exception):
    """The district has a rebuild queued or running: one at a time."""

    def __init__(self, job: Rebuild | None) -> None:
        super().__init__("a rebuild of the district is queued or running")
        self.job = job


async def queue_rebuild(session: AsyncSession, *, district_id: str, school_year: int) -> Rebuild:
    """A new job for the district's school year, unless one is queued or running (`RebuildRunning`)."""
    if (running := await repository.unfinished_rebuild(session, district_id)) is not None:
        raise RebuildRunning(running)
    try:
        return await repository.add_rebuild(session, district_id, school_year)
    except IntegrityError:  # another request queued one at the same moment (one unfinished job per district)
        raise RebuildRunning(None) from None


class RebuildJobs:
    """Runs the rebuild jobs this replica claims, one at a time."""

    def __init__(self, *, database: Database, relay: OutboxRelay, settings: Settings) -> None:
        self.database = database
        self.relay = relay
        self.settings = settings
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called once a job is committed, so this replica need not wait for its next look."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                if (claimed := await self.claim()) is not None:
                    await self.finish(*claimed)
                    continue
            except Exception as error:  # the database is down: look again later
                log.warning("rebuild jobs paused: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.rebuild_poll_seconds)

    async def claim(self) -> tuple[int, int] | None:
        """Claim the oldest job waiting or left by its replica; its id and the claim, None if there is none."""
        now = datetime.now(UTC)
        async with self.database.transaction() as session:
            stale_before = now - timedelta(seconds=self.settings.rebuild_takeover_seconds)
            if (job := await repository.claimable_rebuild(session, stale_before)) is None:
                return None
            total = job.total
            if total is None:
                total = await repository.count_students_of_year(session, job.district_id, job.school_year)
            if not await repository.claim_rebuild(session, job, runner=RUNNER, total=total, now=now):
                return None  # another replica claimed it first
        log.info("rebuild %d %s here after %d student(s)", job.id, "taken over" if job.runner else "claimed",
                 job.students)  # fmt: skip
        return job.id, job.claims + 1

    async def finish(self, rebuild_id: int, claim: int) -> None:
        """Run the job's chunks until it is done, fails, or another replica has claimed it since."""
        failures = outages = 0
        while True:
            try:
                async with self.database.transaction() as session:
                    job = await repository.lock_rebuild(session, rebuild_id)
                    if job is None or job.claims != claim or job.status != "running":
                        log.info("rebuild %d left to the replica that claimed it since", rebuild_id)
                        return
                    await rebuild_chunk(session, job, students=self.settings.rebuild_chunk_students,
                                        now=datetime.now(UTC))  # fmt: skip
                    done = job.status == "done"
                self.relay.wake()
                failures = outages = 0
                if done:
                    log.info("rebuild %d done: %d student(s), %d crossing(s), %d clearing(s)", rebuild_id,
                             job.students, job.crossed, job.cleared)  # fmt: skip
                    return
            except Exception as error:
                if unavailable(error):  # kept claimed; taken over if the outage outlasts the takeover time
                    outages += 1
                    log.warning("rebuild %d waits for the database: %s", rebuild_id, type(error).__name__)
                    await asyncio.sleep(min(2**outages, 10))
                    continue
                failures += 1
                if not isinstance(error, DBAPIError) or failures >= self.settings.max_attempts:
                    log.error("rebuild %d failed: %s", rebuild_id, origin(error))
                    await self._fail(rebuild_id, claim, error)
                    return
                await asyncio.sleep(0.05 * failures)  # a deadlock or a serialization failure: the chunk again

    async def _fail(self, rebuild_id: int, claim: int, error: Exception) -> None:
        async with self.database.transaction() as session:
            job = await repository.lock_rebuild(session, rebuild_id)
            if job is not None and job.claims == claim and job.status == "running":
                # the type only: a message may quote a student's data
                job.status, job.error, job.finished_at = "failed", type(error).__name__, datetime.now(UTC)
