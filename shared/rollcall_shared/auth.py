"""Who may call what: scopes, the audiences they reach, route guards, and the tokens one service signs to call another.

Tokens are verified before a request's body is read (`rollcall_shared.gate`); a route's guard then checks the
path's district and the route's scopes.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from enum import StrEnum
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rollcall_shared.gate import CALLER
from rollcall_shared.problems import Problem
from rollcall_shared.tokens import Caller, SigningKeys, unauthorized

__all__ = ["SERVICES", "Caller", "DistrictTokens", "Scope", "allow", "audiences_of", "caller_of"]

SERVICES = ("ingest", "eligibility", "notifications", "plans")
"""Each service is an audience of its own: a token names the services it may be shown to."""


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
SERVICE_SCOPES = frozenset({Scope.ROSTER_READ.value})
"""The only scopes a service's own token may carry."""

REACH: dict[str, tuple[str, ...]] = {
    Scope.ATTENDANCE_WRITE: ("ingest",),
    Scope.SUMMARIES_READ: ("eligibility", "notifications", "plans"),
    Scope.CASEWORK: ("eligibility", "notifications", "plans"),
    Scope.ADMIN: SERVICES,
    Scope.ROSTER_READ: ("ingest",),
}
"""The services whose routes each scope opens: a client's token is for those services only."""


def audiences_of(scopes: Iterable[str]) -> set[str]:
    return {service for scope in scopes for service in REACH.get(scope, ())}


_bearer = HTTPBearer(auto_error=False, description="A token from ingest's POST /oauth/token (client credentials)")


def allow(*scopes: Scope) -> Any:
    """A route's guard: a valid token of the path's district holding one of `scopes`."""

    async def authorized(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Caller:
        caller: Caller | None = request.scope.get(CALLER)  # verified by the gate, before the body was read
        if caller is None:
            if credentials is None:
                raise unauthorized("no bearer token: send Authorization: Bearer <token from POST /oauth/token>")
            caller = await request.app.state.verifier.verify(credentials.credentials)
        district_id = request.path_params.get("district_id")
        # The same answer whether or not the other district exists.
        if district_id is not None and district_id != caller.district_id:
            raise Problem(403, "Forbidden", "this token's client belongs to another district")
        if not caller.scopes & set(scopes):
            raise Problem(403, "Forbidden", f"this needs a token with the scope {' or '.join(scopes)}")
        request.scope[CALLER] = caller
        return caller

    return Depends(authorized)


def caller_of(request: Request) -> Caller:
    """The caller a route's guard admitted."""
    return request.scope[CALLER]


STAFF = allow(Scope.CASEWORK)
STAFF_OR_READER = allow(Scope.CASEWORK, Scope.SUMMARIES_READ)
OPERATOR = allow(Scope.ADMIN)
OPERATOR_OR_STAFF = allow(Scope.ADMIN, Scope.CASEWORK)
ANY_READER = allow(Scope.ADMIN, Scope.CASEWORK, Scope.SUMMARIES_READ)


class DistrictTokens(httpx.Auth):
    """Signs each request with a short token for the district in its path: one service calling another (issuer: the
    caller's name, audience: the service called), or an operator's tool (ingest's keys, issuer `rollcall`)."""

    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        subject: str,
        scopes: Iterable[str],
        audience: Iterable[str],
        seconds: int = 60,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.subject = subject
        self.scopes = tuple(scopes)
        self.audience = tuple(audience)
        self.seconds = seconds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        parts = request.url.path.split("/")
        if len(parts) > 3 and parts[1:3] == ["v1", "districts"] and "Authorization" not in request.headers:
            token = self.keys.issue(issuer=self.issuer, subject=self.subject, district_id=parts[3], scopes=self.scopes,
                                    audience=self.audience, seconds=self.seconds)  # fmt: skip
            request.headers["Authorization"] = f"Bearer {token}"
        yield request
