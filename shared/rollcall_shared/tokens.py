"""Bearer tokens signed with Ed25519 (EdDSA): a service's own signing keys, the JWKS that publishes their public halves,
and the verifier that trusts only the issuers a service names, each for that service's own audience.

Ingest alone signs clients' tokens (issuer `rollcall`); a service that calls another signs its own short tokens
(issuer: its name) with keys of its own, which only the services it calls trust.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from rollcall_shared.problems import Problem

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
CLIENT_ISSUER = "rollcall"
"""The issuer of the tokens ingest's POST /oauth/token gives to districts' clients."""
LEEWAY_SECONDS = 30
"""Clocks of the signer and the verifier may differ this much."""
CACHE_SECONDS = 300.0
"""Fetched keys are trusted this long, then fetched again: a key removed from the issuer's JWKS stops verifying
within it. An unknown key id fetches at once, at most every `min(30 s, cache)`, so made-up key ids cost nothing."""


@dataclass(frozen=True)
class Caller:
    client_id: str
    district_id: str
    scopes: frozenset[str]
    issuer: str = CLIENT_ISSUER


class SigningKeys:
    """Ed25519 private keys as `kid:key,kid:key` (each key 32 bytes in base64url), newest first: the first signs,
    the public half of every one is published, so tokens signed before a rotation still verify."""

    def __init__(self, spec: str, *, variable: str = "SIGNING_KEYS") -> None:
        self.spec = spec
        self.keys: dict[str, Ed25519PrivateKey] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            kid, _, encoded = item.partition(":")
            try:
                seed = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
                if not kid or len(seed) != 32:
                    raise ValueError
            except (ValueError, binascii.Error):
                raise ValueError(
                    f"{variable}: comma-separated kid:key pairs, each key 32 random bytes in base64url "
                    "(make one with `rollcall keys new-signing-key`)"
                ) from None
            self.keys[kid] = Ed25519PrivateKey.from_private_bytes(seed)
        if not self.keys:
            raise ValueError(f"{variable}: no key given (make one with `rollcall keys new-signing-key`)")
        self.signing_kid = next(iter(self.keys))

    @staticmethod
    def new_spec(kid: str | None = None) -> str:
        """A fresh `kid:key` pair."""
        kid = kid or time.strftime("%Y%m%d")
        seed = base64.urlsafe_b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode().rstrip("=")
        return f"{kid}:{seed}"

    def issue(
        self,
        *,
        issuer: str,
        subject: str,
        district_id: str,
        scopes: Iterable[str],
        audience: Iterable[str],
        seconds: int,
    ) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "sub": subject, "aud": sorted(set(audience)), "district_id": district_id,
                  "scope": " ".join(sorted(set(scopes))), "iat": now, "nbf": now, "exp": now + seconds,
                  "jti": uuid.uuid4().hex}  # fmt: skip
        return jwt.encode(claims, self.keys[self.signing_kid], ALGORITHM, headers={"kid": self.signing_kid})

    def jwks(self) -> dict[str, Any]:
        """The public keys, as a JSON Web Key Set (RFC 7517)."""
        return {"keys": [self.public_jwk(kid) for kid in self.keys]}

    def public_jwk(self, kid: str) -> dict[str, Any]:
        jwk = OKPAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
        return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def development_keys(service: str) -> SigningKeys:
    """The embedded key of a service on a laptop and in the tests: derived from its name, so public; refused in
    production (`rollcall_shared.production`)."""
    seed = hashlib.sha256(f"rollcall-development-signing-key:{service}".encode()).digest()
    encoded = base64.urlsafe_b64encode(seed).decode().rstrip("=")
    return SigningKeys(f"dev-{service}:{encoded}")


class IssuerKeys:
    """One issuer's public keys: given, or fetched from its JWKS URL and kept `cache_seconds`."""

    def __init__(
        self, *, jwks: Mapping[str, Any] | None = None, url: str | None = None, cache_seconds: float = CACHE_SECONDS
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self._keys = _parse(jwks) if jwks is not None else {}
        self._fetched_at = self._tried_at = float("-inf")
        self._lock = asyncio.Lock()
        self.client: httpx.AsyncClient | None = None
        """Set by the service's lifespan when `url` is given."""

    async def key(self, kid: str) -> jwt.PyJWK | None:
        if self.url is not None and self._due(kid):
            async with self._lock:
                if self._due(kid):  # not fetched meanwhile by a request that waited for the same lock
                    await self._fetch()
        return self._keys.get(kid)

    def _due(self, kid: str) -> bool:
        now = time.monotonic()
        if now - self._fetched_at >= self.cache_seconds:
            return now - self._tried_at >= min(5.0, self.cache_seconds)
        return kid not in self._keys and now - self._tried_at >= min(30.0, self.cache_seconds)

    async def _fetch(self) -> None:
        assert self.url is not None
        self._tried_at = time.monotonic()
        client = self.client or httpx.AsyncClient(timeout=5)
        try:
            answer = await client.get(self.url, timeout=5)
            answer.raise_for_status()
            self._keys = _parse(answer.json())
            self._fetched_at = time.monotonic()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("the token keys at %s cannot be fetched: %s", self.url, type(error).__name__)
            if not self._keys:  # keys fetched before stay trusted through an outage of the issuer
                raise Problem(503, "Service unavailable", "the keys that verify tokens cannot be fetched; try again",
                              headers={"Retry-After": "5"}) from None  # fmt: skip
        finally:
            if self.client is None:
                await client.aclose()


def _parse(jwks: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The Ed25519 keys of a JWKS document; any other or malformed key is passed over."""
    found = {}
    for data in jwks.get("keys", []) if isinstance(jwks, Mapping) else []:
        if isinstance(data, Mapping) and data.get("kty") == "OKP" and data.get("crv") == "Ed25519" and data.get("kid"):
            try:
                found[str(data["kid"])] = jwt.PyJWK(dict(data), ALGORITHM)
            except jwt.PyJWTError:
                log.warning("a published token key (kid %s) is not a usable Ed25519 key", str(data["kid"])[:40])
    return found


class TokenVerifier:
    """Checks a bearer token: signed by an issuer this service trusts, for this service (its audience), in its life."""

    def __init__(
        self,
        *,
        audience: str,
        issuers: Mapping[str, IssuerKeys],
        service_scopes: Mapping[str, frozenset[str]],
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        self.audience = audience
        self.issuers = dict(issuers)
        self.service_scopes = dict(service_scopes)
        """Issuers that are services, with the only scopes their tokens may carry."""
        self.reserved = reserved
        """Scopes no client's token may carry (ingest's token endpoint never grants them)."""

    async def verify(self, token: str) -> Caller:
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.InvalidTokenError:
            raise unauthorized("not a token this system issued; get one from POST /oauth/token") from None
        keys = self.issuers.get(issuer) if isinstance(issuer, str) else None
        if keys is None:
            raise unauthorized("not a token this system issued; get one from POST /oauth/token")
        key = await keys.key(str(kid))
        if key is None:
            raise unauthorized("the token was signed with a key this system no longer accepts; get a new one")
        try:
            claims = jwt.decode(token, key, [ALGORITHM], audience=self.audience, issuer=issuer, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iat", "sub", "aud", "district_id"]})  # fmt: skip
        except jwt.ExpiredSignatureError:
            raise unauthorized("the token has expired; get a new one from POST /oauth/token") from None
        except jwt.InvalidAudienceError:
            raise unauthorized(f"the token is not for {self.audience}; get one whose audience includes it") from None
        except jwt.InvalidTokenError:
            raise unauthorized("not a token this system issued; get one from POST /oauth/token") from None
        scopes = frozenset(str(claims.get("scope", "")).split())
        if issuer in self.service_scopes and not scopes <= self.service_scopes[issuer]:
            raise unauthorized("a service's token may carry only the scopes services call each other with")
        if issuer == CLIENT_ISSUER and scopes & self.reserved:
            raise unauthorized("a client's token may not carry the scopes only services call each other with")
        return Caller(str(claims["sub"]), str(claims["district_id"]), scopes, issuer)


def unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="rollcall"'})
