"""Measurements the benchmark takes from outside the services: consumer lag, raw consume rate,
repeated timings and the machine they ran on."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KafkaPartition
from kafka.admin import KafkaAdminClient


def machine() -> str:
    """Cores, CPU model, memory and Python version, as the figures name the machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def median_rate(items: int, seconds: list[float]) -> float:
    """Items per second in the median of repeated timings of the same work."""
    return items / statistics.median(seconds)


def group_progress(bootstrap: str, group: str | None, topic: str) -> tuple[int, int]:
    """(offsets committed by the group, end offsets) summed over the topic's partitions."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="rollcall-bench")
    try:
        partitions = [KafkaPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        end = sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()
    if group is None:
        return 0, end
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="rollcall-bench")
    try:
        committed = admin.list_group_offsets({group: partitions}).get(group, {})
    finally:
        admin.close()
    return sum(max(offset.offset, 0) for offset in committed.values()), end


async def raw_consume_rate(bootstrap: str, topic: str) -> tuple[int, float]:
    """Messages in the topic and seconds to read and JSON-decode them all with plain aiokafka."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        consumer.assign(partitions)
        total = sum((await consumer.end_offsets(partitions)).values())
        total -= sum((await consumer.beginning_offsets(partitions)).values())
        await consumer.seek_to_beginning(*partitions)
        count, started = 0, time.perf_counter()
        while count < total:
            batches = await consumer.getmany(timeout_ms=5000, max_records=10_000)
            if not batches:
                raise RuntimeError(f"the topic stopped giving messages after {count:,} of {total:,}")
            for records in batches.values():
                for record in records:
                    json.loads(record.value)
                count += len(records)
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(50):
        if numbers := (topic in await consumer.topics()) and consumer.partitions_for_topic(topic):
            return [TopicPartition(topic, p) for p in sorted(numbers)]
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions the broker will name")


class Arrivals:
    """Follows a topic from its current end and notes when matching messages arrive."""

    def __init__(self, bootstrap: str, topic: str, match: Callable[[dict[str, Any]], str | None]) -> None:
        self.bootstrap, self.topic, self.match = bootstrap, topic, match
        self.arrived: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
        await consumer.start()
        partitions = await _partitions(consumer, self.topic)
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:
            await consumer.position(partition)
        self._task = asyncio.create_task(self._follow(consumer))

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    now = time.perf_counter()
                    for record in records:
                        if (key := self.match(json.loads(record.value))) is not None:
                            self.arrived.setdefault(key, now)
        finally:
            await consumer.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
