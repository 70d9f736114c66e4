"""The outside systems notifications talks to, run in this process on free ports.

The mailbox (SMTP) and the SMS gateway are the ones `make run` starts; the callback receiver
stands in for an HTTP endpoint the gateway calls back; the slow mail server and the flaky SMS
provider stand in for providers having a bad day. Each is a context manager:

    with running_mailbox(tmp_path / "mail") as mailbox:
        settings = notifications_settings(mailbox=mailbox)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qsl

import httpx
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response
from notifications.settings import Settings
from pydantic import SecretStr
from rollcall_dev.mailbox import Mailbox
from rollcall_dev.sms_gateway import SmsGatewayServer

from tests.support.process import free_port

SMS_ACCOUNT = "rollcall-test"
SMS_TOKEN = "test-token"


@contextmanager
def running_mailbox(folder: Path) -> Iterator[Mailbox]:
    """An SMTP server on a free port keeping mail in `folder`; `.port`, `.messages()`."""
    mailbox = Mailbox(folder, port=free_port()).start()
    try:
        yield mailbox
    finally:
        mailbox.stop()


@contextmanager
def running_sms_gateway(
    folder: Path, *, account: str = SMS_ACCOUNT, token: str = SMS_TOKEN, callback_delay: float = 0.05
) -> Iterator[SmsGatewayServer]:
    """The local SMS provider on a free port; `.base_url`, `.messages()`."""
    gateway = SmsGatewayServer(folder, port=0, account=account, token=token, callback_delay=callback_delay).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def notifications_settings(
    *, mailbox: Mailbox | None = None, sms_gateway: SmsGatewayServer | None = None, **overrides: Any
) -> Settings:
    """Notifications settings pointed at the running sinks, with the gateway's credentials."""
    values: dict[str, Any] = {"smtp_timeout_seconds": 5.0, "sms_timeout_seconds": 5.0}
    if mailbox is not None:
        values.update(smtp_host=mailbox.host, smtp_port=mailbox.port)
    if sms_gateway is not None:
        values.update(
            sms_base_url=sms_gateway.base_url,
            sms_account=sms_gateway.account,
            sms_token=SecretStr(sms_gateway.token),
        )
    return Settings(**{**values, **overrides})


@dataclass(frozen=True)
class Callback:
    url: str
    """As the caller addressed it, query included: what a request signature covers."""
    headers: dict[str, str]
    form: dict[str, str]


class CallbackReceiver:
    """An HTTP endpoint on a free port that answers 204 to every POST and keeps each one."""

    def __init__(self) -> None:
        self.received: list[Callback] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                callback = Callback(
                    url=f"{receiver.url}{self.path}",
                    headers={key.lower(): value for key, value in self.headers.items()},
                    form=form,
                )
                self.send_response(204)
                self.end_headers()
                receiver.received.append(callback)

            def log_message(self, *_: object) -> None:  # the test's output stays quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    async def wait_for(self, count: int, timeout: float = 10) -> list[Callback]:
        """The first `count` callbacks once they arrived; fails with what came if they don't."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} callbacks after {timeout}s")
            await asyncio.sleep(0.02)
        return self.received[:count]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class SlowMailServer:
    """An SMTP server on a free port that keeps every message it is given, and is slow when told to.

    `stall("before", n)`: the next `n` sessions wait `seconds` before answering MAIL FROM (nothing handed
    over yet); `stall("after", n)`: they keep the message, then wait `seconds` before confirming it.
    With `pace`, every message is confirmed `pace` seconds after it was kept, as a busy server does.
    """

    def __init__(self, seconds: float, *, pace: float = 0.0) -> None:
        self.seconds, self.pace = seconds, pace
        self.host, self.port = "127.0.0.1", free_port()
        self.attempts: list[float] = []
        """When each session began its message (MAIL FROM), by the monotonic clock."""
        self._kept: list[bytes] = []
        self._stalls = {"before": 0, "after": 0}
        self._controller = Controller(self, hostname=self.host, port=self.port, server_hostname="localhost")

    def stall(self, when: Literal["before", "after"], times: int) -> None:
        self._stalls[when] = times

    def messages(self) -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(raw) for raw in self._kept]  # type: ignore[misc]

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self.attempts.append(time.monotonic())
        await self._maybe_stall("before")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._kept.append(envelope.original_content or envelope.content)
        await self._maybe_stall("after")
        await asyncio.sleep(self.pace)
        return "250 2.0.0 Kept"

    async def _maybe_stall(self, when: str) -> None:
        if self._stalls[when] > 0:
            self._stalls[when] -= 1
            await asyncio.sleep(self.seconds)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


class FlakySmsProvider:
    """An SMS provider's front that passes texts on to `gateway`, and fails when told to (`app`, to serve).

    `fail("500", n)`: the next `n` texts are answered 500 and not passed on; `fail("late", n)`: they are
    passed on, then answered `seconds` later, after the caller has given up. With `pace`, every text is
    passed on `pace` seconds after it came, as a busy provider answers.
    """

    def __init__(self, gateway: SmsGatewayServer, seconds: float, *, pace: float = 0.0) -> None:
        self.gateway, self.seconds, self.pace = gateway, seconds, pace
        self.attempts: list[float] = []
        """When each text was posted, by the monotonic clock."""
        self.posts: list[dict[str, str]] = []
        """Each text as posted: its `Idempotency-Key` and `StatusCallback`."""
        self._plan: deque[str] = deque()
        self.app = FastAPI()
        self.app.post("/v1/Messages")(self._message)

    def fail(self, how: Literal["500", "late"], times: int) -> None:
        self._plan.extend([how] * times)

    async def _message(self, request: Request) -> Response:
        self.attempts.append(time.monotonic())
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.posts.append({"key": request.headers.get("idempotency-key", ""), "callback": form.get("StatusCallback", "")})
        trouble = self._plan.popleft() if self._plan else None
        await asyncio.sleep(self.pace)
        if trouble == "500":
            return Response('{"code": 20500, "status": 500}', status_code=500, media_type="application/json")
        passed = {name: value for name, value in request.headers.items()
                  if name in ("authorization", "content-type", "idempotency-key")}  # fmt: skip
        async with httpx.AsyncClient() as client:
            body = await request.body()
            answer = await client.post(f"{self.gateway.base_url}/Messages", content=body, headers=passed)
        if trouble == "late":
            await asyncio.sleep(self.seconds)
        return Response(answer.content, status_code=answer.status_code, media_type="application/json")
