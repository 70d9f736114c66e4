"""POST /oauth/token: a district's client exchanges its key and secret for a short-lived bearer token."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from rollcall_shared.auth import audiences_of
from rollcall_shared.problems import Problem
from rollcall_shared.service import Session
from rollcall_shared.tokens import CLIENT_ISSUER

from ingest.api import IngestSettings
from ingest.clients.service import UnknownClient, authenticate

router = APIRouter(tags=["authentication"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class TokenError(BaseModel):
    """RFC 6749 section 5.2."""

    error: str
    error_description: str


FORM = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string", "description": "the key (or send HTTP Basic key:secret)"},
        "client_secret": {"type": "string"},
        "scope": {"type": "string", "description": "space-separated; a subset of the client's (all by default)"},
        "audience": {"type": "string", "description": "space-separated services the token is for (RFC 8693); "
                     "a subset of those its scopes reach (all of them by default)"},
    },
}
TOKEN_BODY_BYTES = 16 * 1024
"""A token request is a handful of short fields."""


@router.post(
    "/oauth/token",
    response_model=Token,
    responses={400: {"model": TokenError}, 401: {"model": TokenError}, 429: {"model": TokenError}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": FORM}, "application/json": {"schema": FORM}}}},
)  # fmt: skip
async def issue_token(request: Request, session: Session, settings: IngestSettings) -> Any:
    """OAuth 2 client credentials, as the Ed-Fi API takes them: HTTP Basic or form (or JSON) fields."""
    fields = await _fields(request)
    client_id, client_secret = _credentials(request, fields)
    if fields.get("grant_type") != "client_credentials":
        return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if not client_id or not client_secret:
        return _error(401, "invalid_client", "send the key and secret as HTTP Basic or client_id and client_secret")
    try:
        await request.app.state.token_rate.take(f"{client_id}@{request.client.host if request.client else ''}")
        client = await authenticate(session, client_id=client_id, client_secret=client_secret, now=datetime.now(UTC))
    except Problem as refused:
        return _error(429, "slow_down", refused.detail, refused.headers)
    except UnknownClient:
        return _error(401, "invalid_client", "unknown key, wrong secret, or a revoked client")
    asked = set(str(fields.get("scope") or "").split()) or set(client.scopes)
    if not asked <= set(client.scopes):
        return _error(400, "invalid_scope", f"this client may have only {' '.join(client.scopes)}")
    reach = audiences_of(asked)
    audience = set(str(fields.get("audience") or "").split()) or reach
    if not audience <= reach:
        return _error(400, "invalid_target", f"these scopes reach only {' '.join(sorted(reach))}")
    seconds = settings.token_seconds
    token = request.app.state.signing_keys.issue(issuer=CLIENT_ISSUER, subject=client.client_id,
                                                 district_id=client.district_id, scopes=asked, audience=audience,
                                                 seconds=seconds)  # fmt: skip
    return JSONResponse(Token(access_token=token, expires_in=seconds, scope=" ".join(sorted(asked))).model_dump(),
                        headers={"Cache-Control": "no-store"})  # fmt: skip


async def _fields(request: Request) -> dict[str, Any]:
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    try:
        if kind == "application/json":
            found = await request.json()
            return found if isinstance(found, dict) else {}
        if kind == "application/x-www-form-urlencoded":
            return dict(await request.form(max_files=0, max_fields=20))
    except ValueError:
        return {}
    return {}


def _credentials(request: Request, fields: dict[str, Any]) -> tuple[str | None, str | None]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            key, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
            return key, secret
        except (binascii.Error, UnicodeDecodeError):
            return None, None
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    return (client_id if isinstance(client_id, str) else None, client_secret if isinstance(client_secret, str) else None)


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="rollcall"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)
