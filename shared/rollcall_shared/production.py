"""Outside development a service refuses to start with a default, example or weak secret, naming the variable to set.

`ROLLCALL_ENV=development` (what `make run` and the tests set) accepts the embedded development keys, which are
public in this repository; any other run is production and must set its own.
"""

from __future__ import annotations

import math
import sys
from collections import Counter

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from rollcall_shared.auth import SERVICES
from rollcall_shared.encryption import DEVELOPMENT_CONTACT_KEY, DEVELOPMENT_INDEX_KEY
from rollcall_shared.settings import ServiceSettings
from rollcall_shared.tokens import SigningKeys, development_keys

MIN_BITS = 80
"""Below this estimate of entropy a value is a password someone chose, not a secret."""
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "example", "placeholder", "development",
                "rollcall-test", "password", "secret")  # fmt: skip
"""Words of example values (the Kubernetes example Secret says CHANGE-ME)."""
HOW = {
    "signing_keys": "make one with `rollcall keys new-signing-key`",
    "contact_keys": "make one with `rollcall keys new`",
    "contact_index_key": "a long random string, e.g. from `rollcall keys new`",
    "sms_token": "the SMS provider's auth token",
}
PORTS = dict(zip(SERVICES, (8001, 8002, 8003, 8004), strict=True))
EXIT_CONFIG = 78
"""sysexits.h EX_CONFIG: the configuration is wrong, not the program."""


def problems(settings: ServiceSettings) -> list[str]:
    """What stops `settings` from running outside development, each naming its variable and what to set."""
    kind = type(settings)
    found = secret_problems(settings)
    database = kind.variable("database_url")
    if settings.database_url == kind.model_fields["database_url"].default:
        found.append(f"{database} is not set: a production run keeps its records in PostgreSQL, shared by its replicas")
    elif (password := make_url(settings.database_url).password) is not None and (why := weakness(password, "")):
        found.append(f"{database}: the password in it is {why}; set a long random one")
    if kind.signs_tokens() and getattr(settings, "signing_keys", None) is None:
        found.append(f"{kind.variable('signing_keys')} is not set: the keys this service signs tokens with; "
                     f"{HOW['signing_keys']}")  # fmt: skip
    if kind.callers and not settings.trusted_services.strip():
        example = ",".join(f"{name}=http://{name}:{PORTS[name]}/.well-known/jwks.json" for name in kind.callers)
        found.append(f"{kind.variable('trusted_services')} is not set: where the services that call this one publish "
                     f"their keys, e.g. {example}")  # fmt: skip
    if settings.service != "ingest" and not settings.auth_jwks_url:
        found.append("AUTH_JWKS_URL is not set: where ingest publishes the keys of clients' tokens, "
                     "e.g. http://ingest:8001/.well-known/jwks.json")  # fmt: skip
    return found


def secret_problems(settings: ServiceSettings, fields: tuple[str, ...] | None = None) -> list[str]:
    """The secret settings (all, or `fields`) that are development, example or weak values."""
    kind, found = type(settings), []
    for name in fields or tuple(kind.model_fields):
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr) and (why := weakness(value.get_secret_value(), name)):
            found.append(f"{kind.variable(name)}: {why}; {HOW.get(name, 'set a long random value')}")
    return found


def weakness(value: str, field: str) -> str | None:
    """Why `value` is no secret, or None; a list of keys is judged key by key."""
    if field == "signing_keys":
        return _signing_keys_weakness(value)
    for item in filter(None, (part.strip() for part in value.split(","))) if field == "contact_keys" else [value]:
        if item in (DEVELOPMENT_CONTACT_KEY, DEVELOPMENT_INDEX_KEY):
            return "the embedded development value, public in the source"
        if any(word in item.casefold() for word in PLACEHOLDERS):
            return "an example value"
        if (bits := entropy_bits(item)) < MIN_BITS:
            return f"too weak to be a secret (about {bits:.0f} bits of entropy; {MIN_BITS} or more are needed)"
    if not value.strip():
        return "empty"
    return None


def _signing_keys_weakness(value: str) -> str | None:
    try:
        keys = SigningKeys(value)
    except ValueError:
        return "not Ed25519 keys as kid:key pairs (each key 32 random bytes in base64url)"
    public = {key.public_key().public_bytes_raw() for key in keys.keys.values()}
    development = {key.public_key().public_bytes_raw() for name in SERVICES for key in development_keys(name).keys.values()}
    if public & development:
        return "an embedded development key, public in the source"
    if any(len(set(key.private_bytes_raw())) < 16 for key in keys.keys.values()):
        return "a key that is not random (32 random bytes have far more distinct values)"
    return None


def entropy_bits(value: str) -> float:
    """Shannon's estimate for the characters of `value`, times its length."""
    counts = Counter(value)
    return -sum(count * math.log2(count / len(value)) for count in counts.values()) if value else 0.0


def refuse_unsafe(settings: ServiceSettings, found: list[str] | None = None) -> None:
    """Exit (78, EX_CONFIG) naming every unsafe setting (or those `found`), unless the run is development."""
    if settings.environment == "development" or not (found := problems(settings) if found is None else found):
        return
    lines = "\n".join(f"  - {problem}" for problem in found)
    print(
        f"rollcall {settings.service} refuses to start outside development:\n{lines}\n"
        "Set them (docs/security.md, \"Production settings\"), or run with ROLLCALL_ENV=development on a laptop.",
        file=sys.stderr, flush=True,
    )  # fmt: skip
    raise SystemExit(EXIT_CONFIG)
