"""Tokens for tests that exercise an API rather than its guards: every scope, for the path's district, signed anew for
each request as a client renewing its tokens would be."""

from __future__ import annotations

from collections.abc import Iterable

from rollcall_shared.auth import CLIENT_SCOPES, SERVICES, DistrictTokens, Scope
from rollcall_shared.tokens import CLIENT_ISSUER, development_keys

KEYS = development_keys("ingest")
"""What ingest signs clients' tokens with in a development run."""
EVERY_SCOPE = DistrictTokens(KEYS, issuer=CLIENT_ISSUER, subject="test-client", scopes=CLIENT_SCOPES,
                             audience=SERVICES, seconds=300)  # fmt: skip
ROSTER_READER = DistrictTokens(development_keys("notifications"), issuer="notifications", subject="notifications",
                               scopes=[Scope.ROSTER_READ], audience=["ingest"])  # fmt: skip
"""Notifications' own token to ingest, as a development run signs it."""


def bearer(district_id: str, scopes: Iterable[str] = CLIENT_SCOPES, *, seconds: int = 300, subject: str = "test-client",
           audience: Iterable[str] = SERVICES) -> dict[str, str]:  # fmt: skip
    """An Authorization header as ingest's token endpoint would sign it; mint one per request, as tokens expire."""
    token = KEYS.issue(issuer=CLIENT_ISSUER, subject=subject, district_id=district_id, scopes=scopes,
                       audience=audience, seconds=seconds)  # fmt: skip
    return {"Authorization": f"Bearer {token}"}
