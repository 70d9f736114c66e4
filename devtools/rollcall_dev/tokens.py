"""How the development and operator tools call the APIs: tokens signed with ingest's own keys.

They run where ingest's configuration is (`INGEST_SIGNING_KEYS`; the embedded development key with
`ROLLCALL_ENV=development`), so they act for any district with every client scope; districts' own
systems use POST /oauth/token instead.
"""

from __future__ import annotations

from ingest.settings import Settings as IngestSettings
from rollcall_shared.auth import CLIENT_SCOPES, SERVICES, DistrictTokens
from rollcall_shared.tokens import CLIENT_ISSUER


def operator_tokens() -> DistrictTokens:
    settings = IngestSettings()
    keys = settings.own_keys()
    if keys is None:
        raise SystemExit(f"{settings.variable('signing_keys')} is not set: the operator's tools sign with ingest's keys "
                         "(ROLLCALL_ENV=development uses the embedded development key)")  # fmt: skip
    return DistrictTokens(keys, issuer=CLIENT_ISSUER, subject="rollcall-operator", scopes=CLIENT_SCOPES,
                          audience=SERVICES, seconds=300)  # fmt: skip
