"""One clock for every service: the instant in UTC, and today's date where the districts are (the service's time
zone), whatever the zone of the machine it runs on. Endpoints take it as a dependency; tests read the same clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """The date in the districts' time zone, never the machine's."""
        return self.now().astimezone(self.zone).date()


def _clock(request: Request) -> Clock:
    return request.app.state.clock


Now = Annotated[Clock, Depends(_clock)]
"""An endpoint's parameter: `clock: Now`."""
