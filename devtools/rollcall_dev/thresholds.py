"""One district's threshold events, read from `eligibility.thresholds.v1` from the beginning."""

from __future__ import annotations

import json
from collections import Counter
from types import TracebackType

from aiokafka import AIOKafkaConsumer, TopicPartition

from rollcall_shared.topics import THRESHOLDS


class ThresholdLog:
    """Counts the district's `threshold.crossed` / `threshold.cleared` events by rule."""

    def __init__(self, bootstrap_servers: str, district_id: str) -> None:
        self.district_id = district_id
        self.counts: Counter[tuple[str, str]] = Counter()
        """(ruleId, type) -> events."""
        self.tiers: dict[str, int] = {}
        self.students: set[str] = set()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id="rollcall-demo",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._partitions: list[TopicPartition] = []

    async def __aenter__(self) -> ThresholdLog:
        await self._consumer.start()
        await self._consumer.topics()
        numbers = self._consumer.partitions_for_topic(THRESHOLDS) or set()
        self._partitions = [TopicPartition(THRESHOLDS, number) for number in sorted(numbers)]
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_beginning(*self._partitions)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._consumer.stop()

    async def catch_up(self) -> None:
        """Read every event published so far."""
        end = await self._consumer.end_offsets(self._partitions)
        while any([await self._consumer.position(tp) < end[tp] for tp in self._partitions]):
            batches = await self._consumer.getmany(timeout_ms=500, max_records=5000)
            for messages in batches.values():
                for message in messages:
                    self._count(json.loads(message.value))

    def _count(self, event: dict) -> None:
        if event.get("districtId") != self.district_id:
            return
        self.counts[event["ruleId"], event["type"]] += 1
        self.tiers[event["ruleId"]] = event.get("tier", 0)
        self.students.add(event["studentId"])

    def crossed(self, rule_id: str) -> int:
        return self.counts[rule_id, "threshold.crossed"]

    def cleared(self, rule_id: str) -> int:
        return self.counts[rule_id, "threshold.cleared"]

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(rule for rule, _ in self.counts))
