"""Tokens for tests that exercise an API rather than its guards: every scope, for the path's district."""

from __future__ import annotations

from rollcall_shared.auth import DEVELOPMENT_SIGNING_KEYS, DistrictTokens, Scope, SigningKeys

KEYS = SigningKeys(DEVELOPMENT_SIGNING_KEYS)
EVERY_SCOPE = DistrictTokens(KEYS, subject="test-client", scopes=list(Scope), seconds=3600)
