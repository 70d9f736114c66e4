"""A Kafka broker of the test's own (the bundled Tansu, memory only), to stop and start again on its port."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

from rollcall_shared.broker import ensure_topics
from rollcall_shared.local_broker import start_local_broker
from tests.support.process import free_port


class PrivateBroker:
    """`start()` listens on one port and creates Rollcall's topics; `stop()` loses every message and offset."""

    def __init__(self, partitions: int = 2) -> None:
        self.port = free_port()
        self.url = f"127.0.0.1:{self.port}"
        self.partitions = partitions
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateBroker:
        self._process = start_local_broker(port=self.port)
        ensure_topics(self.url, self.partitions)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


def private_bootstrap() -> Iterator[str]:
    """A fixture's body: a broker of its own, with Rollcall's topics, until the fixture ends."""
    broker = PrivateBroker(partitions=4).start()
    try:
        yield broker.url
    finally:
        broker.stop()
