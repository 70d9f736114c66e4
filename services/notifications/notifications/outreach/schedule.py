"""When a message may go out: after a short hold, outside the district's quiet hours."""

from __future__ import annotations

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
