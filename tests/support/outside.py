"""The outside systems notifications talks to, run in this process on free ports.

The mailbox (SMTP) and the SMS gateway are the ones `make run` starts; the callback receiver
stands in for an HTTP endpoint the gateway calls back. Each is a context manager:

    with running_mailbox(tmp_path / "mail") as mailbox:
        settings = notifications_settings(mailbox=mailbox)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl

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
    folder: Path, *, account: str = SMS_ACCOUNT, token: str = SMS_TOKEN
) -> Iterator[SmsGatewayServer]:
    """The local SMS provider on a free port; `.base_url`, `.messages()`."""
    gateway = SmsGatewayServer(folder, port=0, account=account, token=token).start()
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
