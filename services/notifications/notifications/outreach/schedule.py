"""When a message may go out: after a short hold, outside the district's quiet hours; again after an outage."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from notifications.districts.schemas import DistrictSettingsBody
from notifications.districts.service import zone


def send_after(earliest: datetime, *, channel: str, settings: DistrictSettingsBody) -> datetime:
    """The first moment at or after `earliest` outside the channel's quiet hours (letters have none)."""
    quiet = settings.quiet_hours.get(channel) if channel != "letter" else None
    if quiet is None:
        return earliest
    local = earliest.astimezone(zone(settings))
    if not quiet.contains(local.timetz().replace(tzinfo=None)):
        return earliest
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(earliest.tzinfo)


def retry_after(attempts: int, *, first: float, most: float) -> timedelta:
    """The wait after the `attempts`-th call a provider did not take: `first`, doubling with each call, `most` at most.

    Up to a quarter longer at random, so the items an outage held back do not all come back at one moment.
    """
    grown = first * 2 ** min(max(attempts - 1, 0), 32)
    return timedelta(seconds=min(grown * (1 + random.random() / 4), most))
