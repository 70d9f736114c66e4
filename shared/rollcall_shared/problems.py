"""RFC 9457 problem documents for every error a service returns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from rollcall_shared.db import timed_out

PROBLEM_JSON = "application/problem+json"
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "Refused: a problem document (RFC 9457) saying why",
        "content": {PROBLEM_JSON: {"schema": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "string"}},
            },
        }}},
    },
}  # fmt: skip
"""How the API documents show every refusal; routes added after `install_problem_handlers` carry it."""
UNSTORABLE_SQLSTATES = {"22000", "22001", "22003", "22021", "22P05"}
"""PostgreSQL data exceptions a request's value causes: asyncpg's own argument check (22000), too long,
out of range, a NUL character (22021), a `\u0000` in JSON (22P05)."""


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self, status: int, title: str, detail: str, headers: Mapping[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


def problem_response(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None, **extensions: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extensions}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with a problem document, and say so in the app's OpenAPI document."""
    app.router.responses = {**PROBLEM_RESPONSES, **app.router.responses}

    @app.exception_handler(Problem)
    async def _problem(_: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.title, error.detail, error.headers, **error.extensions)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [f"{_field(tuple(e['loc']))}: {e['msg']}" for e in error.errors()]
        return problem_response(422, "Invalid request", "; ".join(errors), errors=errors)

    @app.exception_handler(DBAPIError)
    async def _unstorable(_: Request, error: DBAPIError) -> JSONResponse:
        if error.connection_invalidated:  # lost mid-request (the database restarted, the session was ended)
            detail = "the database connection was lost; send the request again"
            return problem_response(503, "Service unavailable", detail, headers={"Retry-After": "1"})
        if timed_out(error):  # the statement timeout: the database is too busy, or a lock is held too long
            detail = "the database did not answer in time; nothing of the request was kept: send it again"
            return problem_response(503, "Service unavailable", detail, headers={"Retry-After": "5"})
        # a value that passed validation but that the database cannot hold: a NUL character, a lone
        # surrogate, a number out of range. The transaction is rolled back; anything else stays a 500.
        if getattr(error.orig, "sqlstate", None) not in UNSTORABLE_SQLSTATES:
            raise error
        detail = "the request holds a value that cannot be stored (e.g. a NUL character or a number out of range)"
        return problem_response(422, "Invalid request", f"{detail}; nothing of it was kept")

    @app.exception_handler(PoolTimeout)
    async def _no_connection(_: Request, error: PoolTimeout) -> JSONResponse:
        detail = "no database connection was free in time; send the request again"
        return problem_response(503, "Service unavailable", detail, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed", 413: "Body too large"}.get(error.status_code, "Error")
        headers = dict(error.headers or {})
        if error.status_code == 405 and (allowed := _allowed_methods(request)):  # RFC 9110: what the resource allows
            headers["Allow"] = allowed
        return problem_response(error.status_code, title, str(error.detail), headers=headers)


def _allowed_methods(request: Request) -> str | None:
    """The methods the API document gives the most specific path template matching the request
    (`/outreach/approvals` over `/outreach/{outreach_id}`); Starlette names only the first route it tried."""
    templates = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi()["paths"].items()
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), request.url.path)
    ]
    if not templates:
        return None
    fewest = min(parameters for parameters, _ in templates)
    methods = {method.upper() for parameters, operations in templates if parameters == fewest for method in operations}
    return ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))
