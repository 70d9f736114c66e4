"""Every query of API clients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ingest.clients.models import ApiClient, ClientSecret


async def client(session: AsyncSession, client_id: str) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def clients_of(session: AsyncSession, district_id: str | None) -> list[ApiClient]:
    query = select(ApiClient).order_by(ApiClient.district_id, ApiClient.created_at)
    if district_id is not None:
        query = query.where(ApiClient.district_id == district_id)
    return list(await session.scalars(query))


async def live_secrets(session: AsyncSession, client_id: str, now: datetime) -> list[str]:
    rows = await session.scalars(
        select(ClientSecret.secret_hash).where(
            ClientSecret.client_id == client_id,
            or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > now),
        )
    )
    return list(rows)


async def add_secret(session: AsyncSession, client_id: str, secret_hash: str) -> None:
    session.add(ClientSecret(client_id=client_id, secret_hash=secret_hash))
    await session.flush()


async def expire_secrets(session: AsyncSession, client_id: str, at: datetime) -> None:
    """Every secret of the client that would outlive `at` now ends then."""
    await session.execute(
        update(ClientSecret)
        .where(ClientSecret.client_id == client_id, or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > at))
        .values(expires_at=at)
    )
