"""How the development and operator tools call the APIs: tokens they sign with the services' own keys.

They run where the services' configuration is (`AUTH_SIGNING_KEYS`, the development key by default), so
they act for any district with every client scope; districts' own systems use POST /oauth/token instead.
"""

from __future__ import annotations

import os

from rollcall_shared.auth import CLIENT_SCOPES, DEVELOPMENT_SIGNING_KEYS, DistrictTokens, SigningKeys


def operator_tokens() -> DistrictTokens:
    keys = SigningKeys(os.environ.get("AUTH_SIGNING_KEYS", DEVELOPMENT_SIGNING_KEYS))
    return DistrictTokens(keys, subject="rollcall-operator", scopes=CLIENT_SCOPES, seconds=300)
