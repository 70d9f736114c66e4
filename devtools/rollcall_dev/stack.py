"""The local stack's processes: the bundled broker, the local sinks, one uvicorn per service."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from rollcall_shared.broker import ensure_topics
from rollcall_shared.local_broker import die_with_parent, port_open, start_local_broker
from rollcall_shared.migrations import upgrade
from rollcall_shared.settings import ServiceSettings

SERVICES = ("ingest", "eligibility", "notifications", "plans")
READY_SECONDS = 90.0
STOP_SECONDS = 10.0


class StackError(Exception):
    """Something the person running the stack has to fix; the message says what."""


@dataclass(frozen=True)
class Service:
    name: str
    settings: ServiceSettings

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.port}"

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"


@dataclass(frozen=True)
class Sink:
    """A local stand-in for an outside system, run as `python -m module --host --port --dir`."""

    name: str
    title: str
    module: str
    port: int
    url: str
    folder: Path
    """Where it keeps what it receives."""
    received: str
    """Where a person finds what it received."""
    port_variable: str
    """The environment variable choosing the port, named when the port is taken."""
    off_variable: str
    """The environment variable that runs the stack without this sink."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Its own environment, beyond the stack's."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """The environment that points a service at it."""
    host: str = "127.0.0.1"


def load_services(names: tuple[str, ...]) -> list[Service]:
    """Each service's settings, read from its own `<NAME>_*` environment as the service will."""
    services = []
    for name in names:
        try:
            settings_class = importlib.import_module(f"{name}.settings").Settings
            importlib.import_module(f"{name}.app")
        except ImportError as error:
            raise StackError(
                f"the {name} service cannot be loaded ({error}): services/{name}/{name}/ needs "
                "settings.py and app.py; run the others with ROLLCALL_SERVICES=name,name"
            ) from error
        services.append(Service(name, settings_class()))
    return services


def migrate(service: Service) -> None:
    """Bring the service's database to its newest migration, creating a SQLite file's folder."""
    url = make_url(service.settings.database_url)
    if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(service.name, service.settings.database_url)
    except Exception as error:
        raise StackError(
            f"migrating the {service.name} database at {url.render_as_string()} failed: {error}\n"
            f"check that it is reachable, or set {service.env_prefix}DATABASE_URL"
        ) from error


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


class Stack:
    """Owns every process it starts and stops them all, services first, then the broker."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.broker: Process | None = None
        self.sinks: list[Process] = []
        self.started_sinks: list[Sink] = []
        self.services: list[Process] = []

    def start_broker(self, port: int) -> str:
        log = self.var / "broker.log"
        log.write_bytes(b"")
        try:
            popen = start_local_broker(port=port, log_file=log)
        except RuntimeError as error:
            raise StackError(
                f"{error} (or run the bundled broker elsewhere with LOCAL_BROKER_PORT)"
            ) from error
        self.broker = Process("broker", popen, log)
        return f"127.0.0.1:{port}"

    def create_topics(self, bootstrap: str, partitions: int) -> None:
        try:
            ensure_topics(bootstrap, partitions)
        except Exception as error:
            raise StackError(
                f"the Kafka broker at {bootstrap} does not answer ({error}): start it, or unset "
                "KAFKA_BOOTSTRAP_SERVERS to run the bundled one"
            ) from error

    def start_sink(self, sink: Sink, env: dict[str, str]) -> None:
        """Start the sink's process and wait until it listens."""
        if port_open(sink.host, sink.port):
            raise StackError(
                f"port {sink.port} for the {sink.title} is already in use: stop what listens there "
                f"(`fuser -k {sink.port}/tcp`, or find it with `ss -ltnp 'sport = :{sink.port}'`), "
                f"choose another port with {sink.port_variable}, or run without it with "
                f"{sink.off_variable}=0"
            )
        log = self.var / f"{sink.name}.log"
        command = [
            sys.executable, "-m", sink.module,
            "--host", sink.host, "--port", str(sink.port), "--dir", str(sink.folder),
        ]  # fmt: skip
        with log.open("wb") as output:
            popen = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**env, **sink.env},
                process_group=0,
                preexec_fn=die_with_parent,
            )
        self.sinks.append(Process(sink.name, popen, log))
        deadline = time.monotonic() + READY_SECONDS
        while not port_open(sink.host, sink.port):
            if self.sinks[-1].popen.poll() is not None or time.monotonic() > deadline:
                raise StackError(
                    f"the {sink.title} did not start on port {sink.port}; see {log}:\n{_tail(log)}"
                )
            time.sleep(0.1)
        self.started_sinks.append(sink)

    def start_service(self, service: Service, env: dict[str, str], label: str | None = None) -> None:
        """Start the service's process; `label` names a second instance of one service (and its log)."""
        label = label or service.name
        port = service.settings.port
        if port_open(service.settings.host, port):
            raise StackError(
                f"port {port} for {service.name} is already in use: stop what listens there "
                f"(`fuser -k {port}/tcp`, or find it with `ss -ltnp 'sport = :{port}'`) "
                f"or choose another port with {service.env_prefix}PORT"
            )
        log = self.var / f"{label}.log"
        command = [
            sys.executable, "-m", "uvicorn", "--factory", f"{service.name}.app:create_app",
            "--host", service.settings.host, "--port", str(port),
        ]  # fmt: skip
        with log.open("wb") as output:
            popen = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0,  # Ctrl-C reaches this process only; it stops the services in order
                preexec_fn=die_with_parent,
            )
        self.services.append(Process(label, popen, log))

    def wait_ready(self, service: Service, label: str | None = None) -> None:
        process = next(p for p in self.services if p.name == (label or service.name))
        deadline = time.monotonic() + READY_SECONDS
        last = "no answer"
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise StackError(
                    f"{service.name} exited with code {process.popen.returncode} while starting; "
                    f"see {process.log}:\n{_tail(process.log)}"
                )
            try:
                answer = httpx.get(f"{service.url}/readyz", timeout=2)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except httpx.HTTPError as error:
                last = type(error).__name__
            time.sleep(0.25)
        raise StackError(
            f"{service.name} did not become ready on {service.url}/readyz within "
            f"{READY_SECONDS:.0f} s (last answer: {last}); see {process.log}:\n{_tail(process.log)}"
        )

    def check_alive(self) -> None:
        for process in [*self.services, *self.sinks, *([self.broker] if self.broker else [])]:
            if process.popen.poll() is not None:
                time.sleep(0.5)  # a Ctrl-C that reached the process group is handled first
                raise StackError(
                    f"{process.name} stopped unexpectedly (exit code {process.popen.returncode}); "
                    f"see {process.log}:\n{_tail(process.log)}"
                )

    def stop(self) -> None:
        """Terminate the services together, then the sinks, then the broker; kill what outlasts."""
        _stop(self.services)
        self.services = []
        _stop(self.sinks)
        self.sinks, self.started_sinks = [], []
        if self.broker is not None:
            _stop([self.broker])
            self.broker = None


def _stop(processes: list[Process]) -> None:
    for process in processes:
        if process.popen.poll() is None:
            process.popen.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


LOCAL_RUN_DEFAULTS = {"NOTIFICATIONS_HOLD_SECONDS": "5"}
"""A local run holds texts and emails 5 s (not 60 s) for siblings crossing together: the demo
finishes quickly and still shows one message per household."""


def service_env(bootstrap: str | None) -> dict[str, str]:
    env = dict(LOCAL_RUN_DEFAULTS) | dict(os.environ, PYTHONUNBUFFERED="1")
    if bootstrap:
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    return env
