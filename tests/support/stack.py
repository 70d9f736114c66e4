"""Run services in-process against the real broker and Postgres, and read what they publish."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from tests.support.auth import EVERY_SCOPE
from tests.support.process import free_port


@asynccontextmanager
async def serve(app: FastAPI, base_url: str = "http://service") -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running (database, relay, subscribers) and a client to call it."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=60, auth=EVERY_SCOPE) as client:
            yield client


@asynccontextmanager
async def serve_http(app: FastAPI, port: int | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a real local port (for services that call each other, or providers that call back)."""
    server, port = _local_server(app, port)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, auth=EVERY_SCOPE) as client:
            yield client
    finally:
        server.should_exit = True
        await task


@contextmanager
def serve_in_thread(app: FastAPI, timeout: float = 60) -> Iterator[str]:
    """The app on a real local port, run by a thread with an event loop of its own; yields its URL.

    For synchronous callers (schemathesis, requests), which would block the test's own event loop.
    """
    server, port = _local_server(app)
    thread = threading.Thread(target=server.run, name=f"serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the server did not start (its lifespan failed?)")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


def _local_server(app: FastAPI, port: int | None = None) -> tuple[uvicorn.Server, int]:
    port = port or free_port()
    return uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")), port


async def publish(bootstrap: str, topic: str, messages: list[tuple[str, bytes]]) -> None:
    """Send `(key, value)` messages in order, as a relay would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


class TopicReader:
    """Reads a whole topic from the beginning without a consumer group, keeping one district's messages."""

    def __init__(self, bootstrap: str, topic: str, district_id: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.district_id = district_id
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._consumer: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> TopicReader:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self._consumer.start()
        await self._consumer.topics()  # loads the cluster metadata
        partitions = self._consumer.partitions_for_topic(self.topic) or set()
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_beginning(*assigned)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._consumer is not None
        await self._consumer.stop()

    async def poll(self) -> None:
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
        for records in batches.values():
            for record in records:
                if record.key and record.key.decode().split(":")[0].split("@")[0] == self.district_id:
                    self.messages.append(json.loads(record.value))
                    self.headers.append({k: v.decode() for k, v in record.headers or ()})

    async def wait_for(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30) -> list[dict[str, Any]]:
        """Poll until `done(messages)` holds; fails with what was seen if it never does."""
        deadline = time.monotonic() + timeout
        while not done(self.messages):
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up after {timeout}s with {len(self.messages)} messages: {self.messages[-5:]}")
            await self.poll()
        return self.messages

    async def read_to_end(self, timeout: float = 60) -> list[dict[str, Any]]:
        """Every message on the topic now (up to its end offsets as they are at the call), the district's kept."""
        assert self._consumer is not None
        assigned = list(self._consumer.assignment())
        ends = await self._consumer.end_offsets(assigned)
        deadline = time.monotonic() + timeout
        while [tp for tp, end in ends.items() if await self._consumer.position(tp) < end]:
            if time.monotonic() > deadline:
                raise AssertionError(f"the topic {self.topic} was not read to its end after {timeout}s")
            await self.poll()
        return self.messages


async def until(check: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll `check` (plain or async) until it gives something truthy, and return that; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {timeout}s")
        await asyncio.sleep(0.2)


async def every_item(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every item of a paged list (`items`, `next`), following the cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        answer = await client.get(path, params={"limit": 1000} | ({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        if not (cursor := answer.json()["next"]):
            return items
