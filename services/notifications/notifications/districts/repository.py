"""Queries of district settings and template overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.db import upsert

from notifications.districts.models import DistrictSettings, TemplateOverride


async def settings(session: AsyncSession, district_id: str) -> dict[str, Any] | None:
    return await session.scalar(select(DistrictSettings.settings).where(DistrictSettings.district_id == district_id))


async def save_settings(session: AsyncSession, district_id: str, values: dict[str, Any], now: datetime) -> None:
    row = {"district_id": district_id, "settings": values, "updated_at": now}
    await upsert(session, DistrictSettings.__table__, [row], keys=["district_id"])


async def template(session: AsyncSession, district_id: str, kind: str, channel: str, language: str) -> str | None:
    return await session.scalar(
        select(TemplateOverride.source).where(
            TemplateOverride.district_id == district_id,
            TemplateOverride.kind == kind,
            TemplateOverride.channel == channel,
            TemplateOverride.language == language,
        )
    )


async def templates(session: AsyncSession, district_id: str) -> list[TemplateOverride]:
    found = await session.scalars(select(TemplateOverride).where(TemplateOverride.district_id == district_id))
    return list(found)


async def save_template(
    session: AsyncSession, district_id: str, kind: str, channel: str, language: str, source: str, now: datetime
) -> None:
    row = {
        "district_id": district_id, "kind": kind, "channel": channel, "language": language,
        "source": source, "updated_at": now,
    }  # fmt: skip
    await upsert(session, TemplateOverride.__table__, [row], keys=["district_id", "kind", "channel", "language"])


async def delete_template(session: AsyncSession, district_id: str, kind: str, channel: str, language: str) -> bool:
    result = await session.execute(
        delete(TemplateOverride).where(
            TemplateOverride.district_id == district_id,
            TemplateOverride.kind == kind,
            TemplateOverride.channel == channel,
            TemplateOverride.language == language,
        )
    )
    return result.rowcount > 0
