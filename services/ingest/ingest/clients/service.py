"""API clients: created with a key and a secret shown once, exchanged for tokens, rotated and revoked."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.auth import CLIENT_SCOPES

from ingest.clients import repository
from ingest.clients.models import ApiClient

hasher = PasswordHasher()


class UnknownClient(Exception):
    """No such client, or it was revoked."""


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str


async def create_client(
    session: AsyncSession, *, district_id: str, name: str, scopes: list[str], client_id: str | None = None
) -> Credentials:
    """A new client of one district; its secret is returned here only."""
    if unknown := set(scopes) - set(CLIENT_SCOPES):
        raise ValueError(f"unknown scope(s) {sorted(unknown)}: choose from {', '.join(CLIENT_SCOPES)}")
    client_id = client_id or f"rc_{secrets.token_hex(10)}"
    session.add(ApiClient(client_id=client_id, district_id=district_id, name=name, scopes=sorted(set(scopes))))
    await session.flush()
    return Credentials(client_id, await _new_secret(session, client_id))


async def rotate_secret(session: AsyncSession, *, client_id: str, now: datetime, overlap: timedelta) -> Credentials:
    """A new secret; the old ones keep working for `overlap`, so the integration can switch without a gap."""
    await _live_client(session, client_id)
    await repository.expire_secrets(session, client_id, now + overlap)
    return Credentials(client_id, await _new_secret(session, client_id))


async def revoke(session: AsyncSession, *, client_id: str, now: datetime) -> None:
    """No new token for the client from now; tokens already issued end with their short life."""
    client = await _live_client(session, client_id)
    client.revoked_at = now
    await repository.expire_secrets(session, client_id, now)


async def authenticate(session: AsyncSession, *, client_id: str, client_secret: str, now: datetime) -> ApiClient:
    """The client whose live secret this is (Argon2 is slow on purpose: it runs off the event loop)."""
    client = await _live_client(session, client_id)
    for secret_hash in await repository.live_secrets(session, client_id, now):
        if await asyncio.to_thread(_matches, secret_hash, client_secret):
            return client
    raise UnknownClient(client_id)


def _matches(secret_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(secret_hash, secret)
    except VerificationError:
        return False


async def _live_client(session: AsyncSession, client_id: str) -> ApiClient:
    client = await repository.client(session, client_id)
    if client is None or client.revoked_at is not None:
        raise UnknownClient(client_id)
    return client


async def _new_secret(session: AsyncSession, client_id: str) -> str:
    secret = secrets.token_urlsafe(32)
    await repository.add_secret(session, client_id, await asyncio.to_thread(hasher.hash, secret))
    return secret
