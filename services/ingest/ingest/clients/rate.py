"""Requests per client: a moving window, refused with a 429 that says when to try again."""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from rollcall_shared.auth import caller_of
from rollcall_shared.problems import Problem


class RateLimit:
    def __init__(self, rate: str, storage_uri: str) -> None:
        self.rate = parse(rate)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def take(self, key: str) -> None:
        """Count one request of `key`; a Problem 429 once its window is full."""
        if await self.limiter.hit(self.rate, key):
            return
        stats = await self.limiter.get_window_stats(self.rate, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise Problem(429, "Too many requests", f"at most {self.rate} per client; try again in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip


async def per_client(request: Request) -> None:
    """A route's guard after `allow`: the caller's requests within the ingest rate."""
    await request.app.state.ingest_rate.take(caller_of(request).client_id)
