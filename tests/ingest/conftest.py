"""The ingest app, running with its lifespan against the test broker and a migrated Postgres."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI

from ingest.app import create_app
from ingest.settings import Settings
from tests.support.grand_bend import FILES
from tests.support.auth import EVERY_SCOPE

GRAND_BEND = str(FILES)


@dataclass
class Ingest:
    """A running ingest service: its HTTP client, and what it published to Kafka."""

    app: FastAPI
    client: httpx.AsyncClient
    kafka_bootstrap: str

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return await self.client.post(path, **kwargs)

    async def published(self, topic: str, district_id: str) -> list[tuple[str, dict[str, Any]]]:
        """Every message of the district on the topic, once the outbox is empty, in partition order."""
        await self._outbox_drained()
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()
            partitions = [
                TopicPartition(topic, number) for number in sorted(consumer.partitions_for_topic(topic))
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            messages = []
            for partition in partitions:
                while await consumer.position(partition) < ends[partition]:
                    batch = await consumer.getmany(partition, timeout_ms=2000)
                    messages += batch.get(partition, [])
        finally:
            await consumer.stop()
        own = (f"{district_id}:", f"{district_id}@")
        return [
            (message.key.decode(), json.loads(message.value))
            for message in messages
            if message.key.decode().startswith(own) or message.key.decode() == district_id
        ]

    async def _outbox_drained(self, timeout: float = 30) -> None:
        relay = self.app.state.runtime.relay
        for _ in range(int(timeout * 10)):
            count, _ = await relay.backlog()
            if count == 0:
                return
            relay.wake()
            await asyncio.sleep(0.1)
        raise AssertionError("the outbox did not drain")


@pytest.fixture(scope="module")
async def ingest(kafka_bootstrap: str, databases) -> AsyncIterator[Ingest]:
    settings = Settings(
        # a name of its own: tests/fuzz runs this fixture too, in the same session
        database_url=databases.create(f"ingest_{uuid.uuid4().hex[:6]}", migrate="ingest"),
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_partitions=4,
        max_body_bytes=2 * 1024 * 1024,
        stream_batch_size=500,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest", auth=EVERY_SCOPE) as client:
            yield Ingest(app=app, client=client, kafka_bootstrap=kafka_bootstrap)
