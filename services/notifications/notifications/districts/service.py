"""A district's settings, with the service's defaults where the district set nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.districts import repository
from notifications.districts.schemas import DistrictSettingsBody


async def settings_of(session: AsyncSession, *, district_id: str, default_time_zone: str) -> DistrictSettingsBody:
    stored = await repository.settings(session, district_id)
    current = DistrictSettingsBody.model_validate(stored or {})
    if current.time_zone is None:
        current = current.model_copy(update={"time_zone": default_time_zone})
    return current


async def save(session: AsyncSession, *, district_id: str, body: DistrictSettingsBody, now: datetime) -> None:
    await repository.save_settings(session, district_id, body.model_dump(mode="json", exclude_unset=False), now)


def zone(settings: DistrictSettingsBody) -> ZoneInfo:
    return ZoneInfo(settings.time_zone or "UTC")
