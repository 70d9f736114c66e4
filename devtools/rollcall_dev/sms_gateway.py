"""A local SMS provider for `make run` and tests, in the shape of Twilio's Messages API.

POST /v1/Messages   form To, From, Body, StatusCallback; HTTP Basic auth account:token.
                    Answers 201 {"sid", "status": "queued", ...}; the same Idempotency-Key answers
                    the first message again and records nothing new. Each message is appended to
                    <dir>/messages.jsonl; then the status callbacks `sent` and `delivered` are
                    POSTed to StatusCallback, signed in X-Twilio-Signature with the token.
GET  /v1/Messages   every message received, oldest first, with the callbacks' answers (no auth).

Numbers that test the unhappy paths:
  a To that is not a valid phone number    -> 400 {"code": 21211}, Twilio's invalid-To error
  a valid To whose last four digits are 0000 -> accepted, then `sent` and `undelivered` (30003)

Run: python -m rollcall_dev.sms_gateway --port 8026 --dir var/sms --token local
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl

import httpx
import phonenumbers
import uvicorn
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse

log = logging.getLogger("rollcall_dev.sms_gateway")
UNDELIVERABLE_SUFFIX = "0000"


class Received:
    """The accepted messages: in memory, and one JSON line each in <folder>/messages.jsonl."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "messages.jsonl"
        self.messages: list[dict[str, Any]] = []
        if self.path.exists():  # a restarted gateway still knows its idempotency keys
            lines = self.path.read_text().splitlines()
            self.messages = [json.loads(line) for line in lines if line.strip()]
        self._by_key = {m["idempotency_key"]: m for m in self.messages if m["idempotency_key"]}
        self.replays = 0
        """Requests answered with an earlier message because they repeated its idempotency key."""

    def by_key(self, key: str | None) -> dict[str, Any] | None:
        found = self._by_key.get(key) if key else None
        self.replays += found is not None
        return found

    def add(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if message["idempotency_key"]:
            self._by_key[message["idempotency_key"]] = message
        with self.path.open("a") as file:
            file.write(json.dumps(message, ensure_ascii=False) + "\n")


def signature(url: str, form: dict[str, str], token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted form, keyed by the token."""
    signed = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    return base64.b64encode(
        hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    ).decode()


def create_app(
    folder: Path, *, account: str = "rollcall", token: str = "local", callback_delay: float = 0.5
) -> FastAPI:
    received = Received(folder)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.client = client
            yield

    app = FastAPI(title="Rollcall local SMS gateway", lifespan=lifespan)
    app.state.received = received

    def authorised(request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()
        return hmac.compare_digest(
            request.headers.get("authorization", "").encode(), expected.encode()
        )

    @app.post("/v1/Messages")
    async def create_message(request: Request, background: BackgroundTasks) -> JSONResponse:
        if not authorised(request):
            return JSONResponse(
                {"code": 20003, "message": "Authenticate", "status": 401},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="rollcall-sms"'},
            )
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        key = request.headers.get("idempotency-key")
        if (earlier := received.by_key(key)) is not None:
            return JSONResponse(earlier, status_code=201, headers={"Idempotent-Replayed": "true"})
        if not _valid(form.get("To", "")):
            message = "The 'To' number is not a valid phone number."
            return JSONResponse({"code": 21211, "message": message, "status": 400}, status_code=400)
        message = {
            "sid": f"SM{uuid.uuid4().hex}",
            "account_sid": account,
            "to": form["To"],
            "from": form.get("From", ""),
            "body": form.get("Body", ""),
            "status": "queued",
            "direction": "outbound-api",
            "date_created": datetime.now(UTC).isoformat(),
            "status_callback": form.get("StatusCallback"),
            "idempotency_key": key,
            "callbacks": [],
        }
        received.add(message)
        log.info("accepted %s", message["sid"])  # the sid only: numbers and bodies stay in the file
        background.add_task(_report, app.state.client, message, token, callback_delay)
        return JSONResponse(message, status_code=201)

    @app.get("/v1/Messages")
    async def list_messages() -> dict[str, list[dict[str, Any]]]:
        return {"messages": received.messages}

    return app


def _valid(to: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(to, None))
    except phonenumbers.NumberParseException:
        return False


async def _report(
    client: httpx.AsyncClient, message: dict[str, Any], token: str, delay: float
) -> None:
    """POST `sent`, then `delivered` or `undelivered`, to the message's StatusCallback."""
    final = "undelivered" if message["to"].endswith(UNDELIVERABLE_SUFFIX) else "delivered"
    for status in ("sent", final):
        await asyncio.sleep(delay)
        message["status"] = status
        url = message["status_callback"]
        if not url:
            continue
        form = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "AccountSid": message["account_sid"],
            "From": message["from"],
            "To": message["to"],
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": "2010-04-01",
        }
        if status == "undelivered":
            form["ErrorCode"] = "30003"  # Twilio's "unreachable destination handset"
        try:
            answer = await client.post(
                url, data=form, headers={"X-Twilio-Signature": signature(url, form, token)}
            )
            outcome: int | str = answer.status_code
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        message["callbacks"].append({"status": status, "answer": outcome})
        log.info("status callback %s %s: %s", message["sid"], status, outcome)


def _listening_socket(host: str, port: int) -> socket.socket:
    """Bound before uvicorn starts, so a taken port is an OSError here, not a log line."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    return listener


class SmsGatewayServer:
    """The gateway on a uvicorn server in a thread of this process; port 0 picks a free one."""

    def __init__(
        self,
        folder: Path = Path("var/sms"),
        *,
        host: str = "127.0.0.1",
        port: int = 8026,
        account: str = "rollcall",
        token: str = "local",
        callback_delay: float = 0.05,
    ) -> None:
        self.folder = Path(folder)
        self.app = create_app(
            self.folder, account=account, token=token, callback_delay=callback_delay
        )
        self.host = host
        self.port = port
        self.account = account
        self.token = token
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What `sms_base_url` is set to."""
        return f"http://{self.host}:{self.port}/v1"

    def messages(self) -> list[dict[str, Any]]:
        return list(self.app.state.received.messages)

    def replays(self) -> int:
        return self.app.state.received.replays

    def start(self) -> Self:
        """Listen on host:port; raises OSError when the port is taken."""
        listener = _listening_socket(self.host, self.port)
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._server.started:
            raise RuntimeError("the SMS gateway did not start")
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rollcall_dev.sms_gateway", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument(
        "--dir", type=Path, default=Path("var/sms"), help="where messages.jsonl goes"
    )
    parser.add_argument("--account", default=os.environ.get("SMS_GATEWAY_ACCOUNT", "rollcall"))
    parser.add_argument("--token", default=os.environ.get("SMS_GATEWAY_TOKEN", "local"))
    parser.add_argument(
        "--callback-delay", type=float, default=0.5, help="seconds between statuses"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        listener = _listening_socket(args.host, args.port)
    except OSError as error:
        print(f"the SMS gateway cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    app = create_app(
        args.dir, account=args.account, token=args.token, callback_delay=args.callback_delay
    )
    log.info(
        "SMS gateway on http://%s:%d/v1, keeping messages in %s", args.host, args.port, args.dir
    )
    uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
