"""`make run` end to end: the stack starts, replays a demo district, reports crossings, the
outreach to families and the cases, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rollcall_dev.school_year import SCHOOL_YEAR
from rollcall_shared.local_broker import port_open

pytestmark = pytest.mark.e2e

SERVICES = ("INGEST", "ELIGIBILITY", "NOTIFICATIONS", "PLANS")
RULES = ("truancy-1", "truancy-2", "success-plan", "chronic-risk", "chronic", "severe-chronic")


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    for probe in probes:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in probes]
    for probe in probes:
        probe.close()
    return ports


def _stack_env(
    tmp_path: Path, broker_port: int, service_ports: list[int], sink_ports: list[int]
) -> dict[str, str]:
    """The test's environment without Rollcall settings, pointed at free ports and fresh SQLite."""
    prefixes = ("KAFKA_", "LOCAL_", "ROLLCALL_", "DEMO", *(f"{name}_" for name in SERVICES))
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    mailbox_port, sms_gateway_port = sink_ports
    env.update(
        LOCAL_BROKER_PORT=str(broker_port),
        LOCAL_MAILBOX_PORT=str(mailbox_port),
        LOCAL_SMS_GATEWAY_PORT=str(sms_gateway_port),
        DEMO_STUDENTS="240",
        DEMO_DAYS="30",
        DEMO_DISTRICT="e2e-demo",
    )
    for name, port in zip(SERVICES, service_ports, strict=True):
        env[f"{name}_PORT"] = str(port)
        env[f"{name}_DATABASE_URL"] = f"sqlite:///{tmp_path / name.lower()}.db"
    return env


def _wait_for(output: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if text in output.read_text():
            break
        time.sleep(0.5)
    return output.read_text()


def _table_rows(printed: str) -> dict[str, list[str]]:
    """The cells of every table row printed, by the row's first cell (its first occurrence)."""
    rows: dict[str, list[str]] = {}
    for line in printed.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line)[1:-1]]
        if cells and cells[0] not in rows:
            rows[cells[0]] = cells[1:]
    return rows


def _processes_mentioning(marker: str) -> list[int]:
    """Live processes whose environment names `marker` (every child inherits the stack's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.timeout(600)
def test_make_run_replays_the_demo_and_stops_every_process_on_ctrl_c(tmp_path: Path) -> None:
    broker_port, *ports = _free_ports(7)
    service_ports, sink_ports = ports[:4], ports[4:]
    output = tmp_path / "run.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "rollcall_dev.run"],
            cwd=tmp_path,
            env=_stack_env(tmp_path, broker_port, service_ports, sink_ports),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        printed = _wait_for(output, "Press Ctrl-C to stop.", process, seconds=480)
        assert process.poll() is None, printed
        _assert_the_development_key_opens_the_demo_district(printed, *service_ports[:2])
        process.send_signal(signal.SIGINT)
        code = process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    printed = output.read_text()

    assert code == 0, printed
    assert "Threshold events of district e2e-demo" in printed
    assert "disagree" not in printed, printed
    rows = _table_rows(printed)
    crossed = {}
    for rule in RULES:
        crossed[rule], cleared, crossed_now = (int(cell) for cell in rows[rule][1:])
        assert crossed[rule] - cleared == crossed_now, rule
    assert crossed["truancy-1"] > 0 and crossed["chronic"] > 0, printed
    crossings = re.search(r"(\d+) crossings and (\d+) clearings", printed)
    assert crossings and int(crossings[1]) > 0
    _assert_outreach_reached_families(printed, tmp_path / "var")
    _assert_cases_opened_and_worked(printed, tmp_path / "var")
    _assert_the_district_report(printed, tmp_path / "var")
    assert printed.rstrip().endswith("Stopped.")
    assert _processes_mentioning(str(tmp_path)) == []
    assert not any(port_open("127.0.0.1", port) for port in (broker_port, *ports))


def _assert_the_development_key_opens_the_demo_district(printed: str, ingest_port: int, eligibility_port: int) -> None:
    key, secret = re.search(r"key\s+(\S+)\s+secret\s+(\S+)", printed).groups()
    issued = httpx.post(f"http://127.0.0.1:{ingest_port}/oauth/token", auth=(key, secret),
                        data={"grant_type": "client_credentials"}, timeout=30)  # fmt: skip
    assert issued.status_code == 200, issued.text
    students = httpx.get(f"http://127.0.0.1:{eligibility_port}/v1/districts/e2e-demo/students",
                         params={"schoolYear": SCHOOL_YEAR}, headers={"Authorization": f"Bearer {issued.json()['access_token']}"}, timeout=30)  # fmt: skip
    assert key == "dev-e2e-demo" and students.status_code == 200 and students.json()["items"], students.text


def _assert_outreach_reached_families(printed: str, var: Path) -> None:
    """Letters printed into PDFs, emails in the local mailbox, texts at the local SMS gateway."""
    assert "Outreach to families, by channel and status" in printed, printed
    assert "still under way" not in printed, printed
    rows = _table_rows(printed)
    assert int(rows["letter"][-1]) > 0 and int(rows["sms"][-1]) > 0, printed
    letters = re.search(r"(\d+) letters \(.+?\) printed into (\d+) PDFs", printed)
    assert letters and int(letters[1]) > 0 and int(letters[2]) > 0, printed
    pdfs = list((var / "letters" / "e2e-demo").glob("*.pdf"))
    assert len(pdfs) == int(letters[2])
    assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
    emails = re.search(r"(\d+) emails in the local mailbox", printed)
    assert emails and int(emails[1]) > 0, printed
    assert len(list((var / "mail").glob("*.eml"))) == int(emails[1])
    texts = re.search(r"(\d+) texts at the local SMS gateway", printed)
    assert texts and int(texts[1]) > 0, printed
    assert len((var / "sms" / "messages.jsonl").read_text().splitlines()) == int(texts[1])
    assert "An example text (to a generated family)" in printed
    assert "Cedar Grove Unified School District" in printed


def _assert_cases_opened_and_worked(printed: str, var: Path) -> None:
    """Cases by kind and tier, a team's goals reviewed from the attendance, a SARB record saved."""
    assert "still changing" not in printed, printed
    cases = _table_rows(printed.split("Intervention cases, by kind and how they stand", 1)[1])
    assert int(cases["success-plan"][-1]) > 0 and int(cases["multi-agency"][-1]) > 0, printed
    worked = re.search(r"A\s+team\s+met\s+(\d+)\s+Tier\s+2\s+families.+?Reviewed\s+from\s+the\s+attendance:\s+(.+?);", printed, re.S)
    assert worked and int(worked[1]) > 0, printed
    reviewed = sum(int(n) for n in re.findall(r"(\d+)\s+(?:met|missed)", worked[2]))
    assert reviewed == int(worked[1]), "every goal's window has closed in the replayed days"
    [record] = (var / "cases" / "e2e-demo").glob("case-*.pdf")
    assert record.read_bytes().startswith(b"%PDF") and record.with_suffix(".json").exists()


def _assert_the_district_report(printed: str, var: Path) -> None:
    """Attendance by school and by a student group, every school against the target, the board report and CSV."""
    by_school = _table_rows(printed.split("Attendance by school, as of", 1)[1].split("Attendance by", 1)[0])
    district = by_school["district"]
    assert int(district[0]) > 0 and district[1].endswith("%"), printed
    by_group = _table_rows(printed.split("Attendance by economicallyDisadvantaged", 1)[1])
    assert {"yes", "no"} <= by_group.keys() and int(by_group["yes"][0]) + int(by_group["no"][0]) == int(district[0])
    assert len(re.findall(r"over its last 10 school days|not reviewed yet", printed)) == 3, printed
    assert re.search(r"A two-week campaign at .+? attendance \d", printed), printed
    [board] = (var / "reports" / "e2e-demo").glob("board-report-*.pdf")
    [anonymized] = (var / "reports" / "e2e-demo").glob("attendance-by-school-*.csv")
    assert board.read_bytes().startswith(b"%PDF")
    assert "student" not in anonymized.read_text().splitlines()[0].lower().replace("students", "")
