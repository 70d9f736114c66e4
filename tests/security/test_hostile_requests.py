"""Callers who are not the SIS: huge bodies without a token, huge forms on the provider's callbacks, a huge token
request, thousands of made-up HTTP methods. Each is refused at once, the process's memory stays put, `/healthz`
stays fast, and no caller can add metric series."""

from __future__ import annotations

import random
import select
import socket
import string
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.auth import bearer
from tests.support.process import ServiceProcess

pytestmark = pytest.mark.integration

GIB = 1024**3
CHUNK = 256 * 1024


@pytest.fixture(scope="module")
def running(kafka_bootstrap, databases, tmp_path_factory) -> Iterator[dict[str, ServiceProcess]]:
    """Ingest and notifications as an operator runs them, each its own process."""
    run, logs = uuid.uuid4().hex[:6], tmp_path_factory.mktemp("hostile")
    started = {}
    try:
        for name in ("ingest", "notifications"):
            prefix = name.upper()
            env = {f"{prefix}_DATABASE_URL": databases.create(f"hostile_{name}_{run}", migrate=name),
                   "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, f"{prefix}_CONSUMER_GROUP": f"hostile-{name}-{run}"}  # fmt: skip
            started[name] = ServiceProcess(name, env, logs).start()
        yield started
    finally:
        for service in started.values():
            service.stop()


def send_endlessly(port: int, head: str, *, limit: int = GIB, chunked: bool = True) -> tuple[int, float, int]:
    """Send `head`, then body bytes until the server answers (or `limit` bytes went); its status, the seconds it took,
    and the bytes sent."""
    started, sent = time.monotonic(), 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode())
        filler = b"x" * CHUNK
        piece = f"{CHUNK:x}\r\n".encode() + filler + b"\r\n" if chunked else filler
        try:
            while sent < limit and not select.select([connection], [], [], 0)[0]:
                connection.sendall(piece)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while the body was still coming
        answer = connection.recv(65536).decode("latin-1")
    return int(answer.split(" ", 2)[1]), time.monotonic() - started, sent


def rss_kib(service: ServiceProcess) -> int:
    assert service.process is not None
    status = open(f"/proc/{service.process.pid}/status").read()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


@contextmanager
def probing(url: str) -> Iterator[list[float]]:
    """`/healthz` asked every 50 ms while the block runs; yields the seconds each answer took."""
    seconds: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                started = time.monotonic()
                assert client.get(f"{url}/healthz").status_code == 200
                seconds.append(time.monotonic() - started)
                stop.wait(0.05)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield seconds
    finally:
        stop.set()
        thread.join(10)


def series(url: str) -> set[str]:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {line.split(" ")[0] for line in text.splitlines() if line.startswith("rollcall_http_request_duration_seconds_count")}


def test_huge_bodies_without_a_token_are_refused_at_once_and_memory_stays_put(running, district_id):
    ingest, notifications = running["ingest"], running["notifications"]
    d = f"/v1/districts/{district_id}"
    chunked = "Transfer-Encoding: chunked\r\n"
    attempts = {
        "a 1 GiB interchange, no token": (ingest, f"POST {d}/ed-fi/interchanges HTTP/1.1\r\nHost: x\r\n"
                                          f"Content-Type: application/xml\r\n{chunked}\r\n", True),
        "a 1 GiB settings body, no token": (notifications, f"PUT {d}/settings HTTP/1.1\r\nHost: x\r\n"
                                            f"Content-Type: application/json\r\n{chunked}\r\n", True),
        "a 500 MB multipart callback": (notifications, f"POST {d}/sms/inbound HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Type: multipart/form-data; boundary=b\r\n"
                                        f"Content-Length: {500 * 1024**2}\r\n\r\n", False),
        "a chunked 1 GiB callback": (notifications, f"POST {d}/sms/status HTTP/1.1\r\nHost: x\r\n"
                                     f"Content-Type: application/x-www-form-urlencoded\r\n{chunked}\r\n", True),
        "a 100 MB token request": (ingest, "POST /oauth/token HTTP/1.1\r\nHost: x\r\n"
                                   f"Content-Type: application/x-www-form-urlencoded\r\n{chunked}\r\n", True),
    }  # fmt: skip
    before = {name: rss_kib(service) for name, service in running.items()}
    with probing(ingest.url) as ingest_health, probing(notifications.url) as notifications_health:
        answers = {what: send_endlessly(service.port, head, chunked=is_chunked)
                   for what, (service, head, is_chunked) in attempts.items()}  # fmt: skip
    grown = {name: rss_kib(service) - before[name] for name, service in running.items()}

    assert {what: status for what, (status, _, _) in answers.items()} == {
        "a 1 GiB interchange, no token": 401, "a 1 GiB settings body, no token": 401,
        "a 500 MB multipart callback": 413, "a chunked 1 GiB callback": 413, "a 100 MB token request": 413,
    }  # fmt: skip
    assert max(seconds for _, seconds, _ in answers.values()) < 2
    assert max(sent for _, _, sent in answers.values()) < 64 * 1024**2  # stopped long before the end
    assert max(grown.values()) < 64 * 1024, grown  # KiB
    assert max(ingest_health + notifications_health) < 0.5


def test_a_too_large_body_with_a_token_is_a_413_naming_the_limit(running, district_id):
    notifications = running["notifications"]
    url = f"{notifications.url}/v1/districts/{district_id}/settings"
    headers = {"content-type": "application/json", **bearer(district_id)}
    declared = httpx.put(url, content=b"{" + b" " * (2 * 1024**2), headers=headers, timeout=30)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    streamed, seconds, _ = send_endlessly(notifications.port, f"PUT /v1/districts/{district_id}/settings HTTP/1.1\r\n"
                                          f"Host: x\r\n{head}Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip

    assert declared.status_code == 413 and streamed == 413 and seconds < 2
    assert declared.headers["content-type"] == "application/problem+json"
    assert "at most 1,048,576 bytes" in declared.json()["detail"]


def test_made_up_http_methods_get_a_4xx_and_add_no_metric_series(running, district_id):
    ingest, notifications = running["ingest"], running["notifications"]
    letters = random.Random(20261203)
    paths = ["/healthz", f"/v1/districts/{district_id}/outreach", "/no/such/path", "/oauth/token"]

    def method() -> str:
        return "".join(letters.choices(string.ascii_uppercase, k=letters.randint(3, 12))) + "X"  # never GET or PUT

    with httpx.Client(timeout=10) as client:
        for service in (ingest, notifications):  # one of each kind first: the series such answers need
            for path in paths:
                client.request(method(), service.url + path, headers=bearer(district_id))
                client.request(method(), service.url + path)
            series(service.url)  # and the scrape's own
        before = {service.package: series(service.url) for service in (ingest, notifications)}
        statuses = {
            client.request(method(), service.url + path, headers=bearer(district_id) if n % 2 else {}).status_code
            for n in range(5000) for service, path in [(ingest, paths[n % 4]), (notifications, paths[(n + 1) % 4])]
        }  # fmt: skip
        after = {service.package: series(service.url) for service in (ingest, notifications)}

    assert statuses <= {401, 404, 405}
    assert {name: after[name] ^ before[name] for name in after} == {"ingest": set(), "notifications": set()}
