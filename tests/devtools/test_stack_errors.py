"""`make run` refuses to start with an error that says what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rollcall_dev.stack import Stack, StackError, load_services


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_service_port_in_use_names_the_port_and_the_setting(
    taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANS_PORT", str(taken_port))
    (plans,) = load_services(("plans",))
    with pytest.raises(StackError) as refused:
        Stack(tmp_path).start_service(plans, dict(os.environ))
    assert f"port {taken_port} for plans is already in use" in str(refused.value)
    assert "PLANS_PORT" in str(refused.value)


def test_an_unknown_service_is_named() -> None:
    with pytest.raises(StackError, match="the attendance service cannot be loaded"):
        load_services(("attendance",))


def test_run_exits_with_advice_when_the_broker_port_is_taken(
    taken_port: int, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAFKA_")}
    env.update(LOCAL_BROKER_PORT=str(taken_port), DEMO="0")
    finished = subprocess.run(
        [sys.executable, "-m", "rollcall_dev.run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 1
    assert f"port {taken_port} is already in use" in finished.stdout
    assert "LOCAL_BROKER_PORT" in finished.stdout
