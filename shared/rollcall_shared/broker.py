"""Kafka plumbing: producers, consumers' broker, topic creation and a readiness probe."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic, OffsetSpec
from kafka.errors import TopicAlreadyExistsError

from rollcall_shared import topics

log = logging.getLogger(__name__)


def make_broker(bootstrap_servers: str) -> KafkaBroker:
    """The FastStream broker that runs a service's subscribers."""
    return KafkaBroker(bootstrap_servers, client_id="rollcall", graceful_timeout=10.0, logger=log)


def make_producer(bootstrap_servers: str, max_message_bytes: int = 1024 * 1024) -> AIOKafkaProducer:
    """The producer the outbox relay publishes with; it refuses a message over `max_message_bytes` itself.

    Ordering per key comes from one in-flight batch per partition and the relay's retries;
    idempotent producers are not required of the broker.
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id="rollcall-relay",
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=256 * 1024,
        max_request_size=max_message_bytes,
        request_timeout_ms=15000,
    )


def ensure_topics(bootstrap_servers: str, partitions: int, names: tuple[str, ...] = topics.ALL) -> None:
    """Create the topics if they are missing (safe to call from every service at start)."""
    admin = admin_client(bootstrap_servers)
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, partitions, 1) for name in names if name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def admin_client(bootstrap_servers: str) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="rollcall-admin", request_timeout_ms=15000)


def partitions_of(admin: KafkaAdminClient, topic: str) -> list[TopicPartition]:
    [described] = admin.describe_topics([topic])
    return sorted(TopicPartition(topic, p["partition_index"]) for p in described["partitions"])


def consumer_lags(bootstrap_servers: str, subscriptions: list[tuple[str, str]]) -> dict[tuple[str, str], dict[int, int]]:
    """Per (group, topic) and partition, the messages the group has not read yet (from the earliest kept, where it
    never committed); one admin connection for them all."""
    admin = admin_client(bootstrap_servers)
    try:
        lags: dict[tuple[str, str], dict[int, int]] = {}
        for group, topic in subscriptions:
            partitions = partitions_of(admin, topic)
            latest = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
            earliest = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.EARLIEST))
            committed = admin.list_group_offsets({group: partitions}).get(group, {})
            lags[(group, topic)] = {
                tp.partition: max(latest[tp].offset - _read_up_to(committed, tp, earliest[tp].offset), 0)
                for tp in partitions
            }
        return lags
    finally:
        admin.close()


def consumer_lag(bootstrap_servers: str, group: str, topic: str) -> dict[int, int]:
    return consumer_lags(bootstrap_servers, [(group, topic)])[(group, topic)]


def _read_up_to(committed: dict, tp: TopicPartition, earliest: int) -> int:
    return committed[tp].offset if tp in committed and committed[tp].offset >= 0 else earliest


async def ensure_topics_async(bootstrap_servers: str, partitions: int) -> None:
    await asyncio.to_thread(ensure_topics, bootstrap_servers, partitions)


async def broker_answers(producer: AIOKafkaProducer, timeout: float = 3.0) -> bool:
    """True when the broker returns cluster metadata within `timeout` seconds."""
    try:
        return bool(await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout))
    except Exception:
        return False
