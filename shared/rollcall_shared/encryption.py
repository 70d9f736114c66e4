"""Personal fields encrypted at rest: a Fernet key ring per database engine, the `Encrypted` column type, blind indexes.

A service's settings name its keys, newest first (the first encrypts, every one decrypts), and a
separate key for blind indexes: the HMAC of a normalised value, so a query finds a row by a value
it cannot read. The service attaches its ring to its engine when it starts, never at import.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import BaseModel, SecretStr
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

DEVELOPMENT_CONTACT_KEY = base64.urlsafe_b64encode(b"rollcall-development-only-key-01").decode()
"""The embedded default, so `make run` and the tests need no environment; production sets its own."""
DEVELOPMENT_INDEX_KEY = "rollcall-development-only-index-key"
_RING = "rollcall_contact_key_ring"
"""The attribute of an engine's dialect that holds its ring: each engine has its own."""


class KeyRing:
    """Fernet keys, newest first, for contact details; and the key of their blind indexes."""

    def __init__(self, keys: Sequence[str], index_key: str | None = None) -> None:
        if not keys:
            raise ValueError("a contact key ring needs at least one key")
        try:
            self._newest = Fernet(keys[0])
            self._all = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise ValueError("a contact key is not a Fernet key (32 url-safe base64-encoded bytes)") from None
        self._index_key = index_key.encode() if index_key else None
        embedded = {"CONTACT_KEYS": DEVELOPMENT_CONTACT_KEY, "CONTACT_INDEX_KEY": DEVELOPMENT_INDEX_KEY}
        in_use = {"CONTACT_KEYS": keys[0], "CONTACT_INDEX_KEY": index_key}
        self.development = tuple(name for name, value in embedded.items() if in_use[name] == value)
        """The settings whose embedded development value is in use (encrypting or indexing): never for real families."""

    @classmethod
    def parse(cls, keys: str, index_key: str | None = None) -> KeyRing:
        """From settings: `keys` comma-separated, newest first."""
        return cls([key.strip() for key in keys.split(",") if key.strip()], index_key)

    def encrypt(self, plain: str) -> str:
        return self._all.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Raises `InvalidToken` when no key of the ring made `token`."""
        return self._all.decrypt(token.encode()).decode()

    def is_newest(self, token: str) -> bool:
        """Whether the newest key made `token` (nothing to rotate)."""
        try:
            self._newest.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """`token` made again with the newest key (raises `InvalidToken` when no key of the ring made it)."""
        return self._all.rotate(token.encode()).decode()

    def blind_index(self, value: str) -> str:
        """HMAC-SHA256 of the value with case and spacing normalised: equal values, equal indexes."""
        if self._index_key is None:
            raise RuntimeError("this key ring has no index key (the service's settings name none)")
        normalised = " ".join(value.split()).casefold()
        return hmac.new(self._index_key, normalised.encode(), hashlib.sha256).hexdigest()


class ContactKeySettings(BaseModel):
    """Settings of a service that keeps personal fields at rest: `<PREFIX>CONTACT_KEYS`."""

    contact_keys: SecretStr = SecretStr(DEVELOPMENT_CONTACT_KEY)
    """Fernet keys, comma-separated, newest first: the first encrypts, every one decrypts. Production sets its own."""

    def contact_key_ring(self) -> KeyRing:
        """The ring these settings name; a warning says so when a development value is in it."""
        index_key: SecretStr | None = getattr(self, "contact_index_key", None)
        ring = KeyRing.parse(self.contact_keys.get_secret_value(), index_key.get_secret_value() if index_key else None)
        if ring.development:
            prefix = str(self.model_config.get("env_prefix", "")).upper()
            log.warning(
                "personal fields are protected with the embedded development key: fine on a laptop, never with real "
                "families; set %s (docs/security.md)", " and ".join(prefix + name for name in ring.development),
            )  # fmt: skip
        return ring


class BlindIndexSettings(ContactKeySettings):
    """And `<PREFIX>CONTACT_INDEX_KEY`, for a service that finds rows by a contact detail."""

    contact_index_key: SecretStr = SecretStr(DEVELOPMENT_INDEX_KEY)
    """The HMAC key of blind indexes (opt-outs by phone number): long-lived, never one of the contact keys."""


def use_key_ring(engine: Any, ring: KeyRing) -> None:
    """Encrypt and decrypt the `Encrypted` columns of this engine (or connection) with `ring`."""
    setattr(engine.dialect, _RING, ring)


def key_ring_of(bind: Dialect | AsyncSession | Any) -> KeyRing:
    """The ring of a dialect, session, engine or connection; an error names the missing start-up step."""
    dialect = bind if isinstance(bind, Dialect) else (bind.bind if isinstance(bind, AsyncSession) else bind).dialect
    ring = getattr(dialect, _RING, None)
    if ring is None:
        raise RuntimeError("this database engine has no contact key ring: call use_key_ring at start-up")
    return ring


def blind_index(session: AsyncSession, value: str) -> str:
    """The blind index of `value` under the session's ring, to query a column of them."""
    return key_ring_of(session).blind_index(value)


def json_text(value: Any, *, pad_to: int = 0) -> str:
    """A JSON value as compact text; with `pad_to`, spaces after it (JSON ignores them) fill it to a multiple of that
    many bytes, so the length of its token says little of what it holds."""
    plain = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return plain + " " * (-len(plain.encode()) % pad_to) if pad_to else plain


class Encrypted(TypeDecorator[Any]):
    """Text, or any JSON value with `json=True`, stored as a Fernet token of the engine's key ring.

    `pad_to` (JSON only) pads values to a multiple of that many bytes: for short values drawn from a few (a race,
    a program), whose lengths alone would tell them apart.
    """

    impl = Text
    cache_ok = True

    def __init__(self, *, json: bool = False, pad_to: int = 0) -> None:
        if pad_to and not json:
            raise ValueError("only JSON values are padded (text would keep the spaces)")
        super().__init__()
        self.json = json
        self.pad_to = pad_to

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = json_text(value, pad_to=self.pad_to) if self.json else value
        return key_ring_of(dialect).encrypt(plain)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        plain = key_ring_of(dialect).decrypt(value)
        return json.loads(plain) if self.json else plain
