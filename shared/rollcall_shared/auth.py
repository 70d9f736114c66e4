"""Bearer tokens: signed by the token endpoint (or a service calling another), checked by every service itself."""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rollcall_shared.problems import Problem

ISSUER = "rollcall"
ALGORITHM = "HS256"
DEVELOPMENT_SIGNING_KEYS = "dev:rollcall-development-signing-key-set-AUTH_SIGNING_KEYS-in-production"


class Scope(StrEnum):
    ATTENDANCE_WRITE = "attendance:write"
    """An SIS integration: post attendance, enrollments, calendars and the roster to ingest."""
    SUMMARIES_READ = "summaries:read"
    """A district system: students' summaries, lists of students and cases, reports."""
    CASEWORK = "casework"
    """Attendance staff: read and work cases, plans and outreach, print letters."""
    ADMIN = "admin"
    """An operator: the playbook, rebuilds, notification settings and templates, staff and teams."""
    ROSTER_READ = "roster:read"
    """Services only: notifications reading the family documents ingest keeps."""


CLIENT_SCOPES = tuple(scope for scope in Scope if scope is not Scope.ROSTER_READ)


@dataclass(frozen=True)
class Caller:
    client_id: str
    district_id: str
    scopes: frozenset[str]


class SigningKeys:
    """`kid:secret` pairs, comma-separated: the first signs, every one verifies (rotation without a restart)."""

    def __init__(self, spec: str) -> None:
        pairs = [item.strip().split(":", 1) for item in spec.split(",") if item.strip()]
        if not pairs or any(len(pair) != 2 or len(pair[1]) < 32 for pair in pairs):
            raise ValueError("AUTH_SIGNING_KEYS: comma-separated kid:secret pairs, each secret 32 characters or more")
        self.signing_kid = pairs[0][0]
        self.secrets = dict(pairs)
        self.development = spec == DEVELOPMENT_SIGNING_KEYS

    def issue(self, *, subject: str, district_id: str, scopes: Iterable[str], seconds: int) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": subject, "district_id": district_id, "scope": " ".join(sorted(scopes)),
                  "iat": now, "exp": now + seconds, "jti": uuid.uuid4().hex}  # fmt: skip
        return jwt.encode(claims, self.secrets[self.signing_kid], ALGORITHM, headers={"kid": self.signing_kid})

    def verify(self, token: str) -> Caller:
        try:
            secret = self.secrets.get(jwt.get_unverified_header(token).get("kid", ""))
            if secret is None:
                raise _unauthorized("the token was signed with a key this system no longer accepts; get a new one")
            claims = jwt.decode(token, secret, [ALGORITHM], issuer=ISSUER,
                                options={"require": ["exp", "iat", "sub", "district_id"]})  # fmt: skip
        except jwt.ExpiredSignatureError as error:
            raise _unauthorized("the token has expired; get a new one from POST /oauth/token") from error
        except jwt.InvalidTokenError as error:
            raise _unauthorized("not a token this system issued; get one from POST /oauth/token") from error
        return Caller(claims["sub"], claims["district_id"], frozenset(claims.get("scope", "").split()))


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="rollcall"'})


_bearer = HTTPBearer(auto_error=False, description="A token from ingest's POST /oauth/token (client credentials)")


def allow(*scopes: Scope) -> Any:
    """A route's guard: a valid token of the path's district holding one of `scopes`."""

    async def authorized(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Caller:
        if credentials is None:
            raise _unauthorized("no bearer token: send Authorization: Bearer <token from POST /oauth/token>")
        caller = request.app.state.signing_keys.verify(credentials.credentials)
        district_id = request.path_params.get("district_id")
        # The same answer whether or not the other district exists.
        if district_id is not None and district_id != caller.district_id:
            raise Problem(403, "Forbidden", "this token's client belongs to another district")
        if not caller.scopes & set(scopes):
            raise Problem(403, "Forbidden", f"this needs a token with the scope {' or '.join(scopes)}")
        request.state.caller = caller
        return caller

    return Depends(authorized)


STAFF = allow(Scope.CASEWORK)
STAFF_OR_READER = allow(Scope.CASEWORK, Scope.SUMMARIES_READ)
OPERATOR = allow(Scope.ADMIN)
OPERATOR_OR_STAFF = allow(Scope.ADMIN, Scope.CASEWORK)
ANY_READER = allow(Scope.ADMIN, Scope.CASEWORK, Scope.SUMMARIES_READ)


class DistrictTokens(httpx.Auth):
    """Signs each request with a short token for the district in its path: one service calling another."""

    def __init__(self, keys: SigningKeys, *, subject: str, scopes: Iterable[str], seconds: int = 60) -> None:
        self.keys = keys
        self.subject = subject
        self.scopes = tuple(scopes)
        self.seconds = seconds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        parts = request.url.path.split("/")
        if len(parts) > 3 and parts[1:3] == ["v1", "districts"] and "Authorization" not in request.headers:
            token = self.keys.issue(subject=self.subject, district_id=parts[3], scopes=self.scopes, seconds=self.seconds)
            request.headers["Authorization"] = f"Bearer {token}"
        yield request
