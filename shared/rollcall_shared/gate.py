"""The gate every request passes before any of its body is read: the body's size within its route's limit, and the
bearer token of a guarded route verified.

A caller without a valid token so never makes a service read, parse or store a body; a body past the limit is
refused (413) as soon as its declared length or its bytes pass it, never buffered whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rollcall_shared.problems import Problem, problem_response
from rollcall_shared.tokens import TokenVerifier, unauthorized

CALLER = "rollcall.caller"
"""The request scope's key of the verified caller (`rollcall_shared.auth.caller_of`)."""


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the bytes read pass the route's limit: an HTTP error, so that a framework parsing
    the body lets it through to the problem handlers (413) rather than calling the body unreadable."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit).detail)


class Gate:
    """Every path under `/v1/` needs a valid bearer token before its body is read, except the `exempt` ones (callbacks
    a provider signs); every body is held to its route's limit."""

    def __init__(
        self, app: ASGIApp, *, verifier: TokenVerifier, default_limit: int, limits: Mapping[str, int],
        exempt: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.app = app
        self.verifier = verifier
        self.default_limit = default_limit
        self.limits = [(_pattern(template), limit) for template, limit in limits.items()]
        """Route path templates with a limit of their own (ingest's uploads; callbacks, the token endpoint)."""
        self.exempt = [_pattern(template) for template in exempt]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = next((limit for pattern, limit in self.limits if pattern.fullmatch(path)), self.default_limit)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, receive, send, _too_large(limit))
            return
        if path.startswith("/v1/") and not any(pattern.fullmatch(path) for pattern in self.exempt):
            if (refusal := await self._authenticate(scope)) is not None:
                await _refuse(scope, receive, send, refusal)
                return
        received, started = 0, False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, receive, send, _too_large(limit))

    async def _authenticate(self, scope: Scope) -> Problem | None:
        scheme, _, credentials = (_header(scope, b"authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return unauthorized("no bearer token: send Authorization: Bearer <token from POST /oauth/token>")
        try:
            scope[CALLER] = await self.verifier.verify(credentials.strip())
        except Problem as refused:
            return refused
        return None


def _pattern(template: str) -> re.Pattern[str]:
    """`/v1/districts/{district_id}/sms/status` as a regular expression of the paths it matches."""
    return re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1").strip()
    return None


def _too_large(limit: int) -> Problem:
    return Problem(413, "Body too large", f"at most {limit:,} bytes on this route; nothing of it was kept")


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    headers = dict(problem.headers or {})
    headers["Connection"] = "close"  # the rest of the body is not read: the connection cannot carry another request
    response = problem_response(problem.status, problem.title, problem.detail, headers, **problem.extensions)
    await response(scope, receive, send)
