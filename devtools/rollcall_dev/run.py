"""`make run`: the broker, every service's database and process, and a demo district through them.

Environment (all optional):
  KAFKA_BOOTSTRAP_SERVERS   use that broker instead of starting the bundled one
  LOCAL_BROKER=0            do not start the bundled broker (use 127.0.0.1:9092 unless the above)
  LOCAL_BROKER_PORT         port of the bundled broker (9092)
  <SERVICE>_PORT, <SERVICE>_DATABASE_URL   e.g. INGEST_PORT=9001, PLANS_DATABASE_URL=postgresql://...
  ROLLCALL_SERVICES         the services to run, comma-separated (all four)
  LOCAL_MAILBOX=0           no local mailbox (notifications uses NOTIFICATIONS_SMTP_*)
  LOCAL_MAILBOX_PORT        port of the local mailbox (8025); its mail goes to var/mail
  LOCAL_SMS_GATEWAY=0       no local SMS gateway (notifications uses NOTIFICATIONS_SMS_*)
  LOCAL_SMS_GATEWAY_PORT    port of the local SMS gateway (8026); its texts go to var/sms
  NOTIFICATIONS_HOLD_SECONDS  how long texts and emails wait for a sibling's crossing (5 here)
  DEMO=0                    no demo district; DEMO_STUDENTS, DEMO_SCHOOLS, DEMO_DAYS, DEMO_SEED and
                            DEMO_DISTRICT size and name it
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console

from rollcall_dev.clients import development_client
from rollcall_dev.cases_report import cases_of, print_cases, put_school_teams
from rollcall_dev.district import TIME_ZONE, District
from rollcall_dev.replay import (
    ReplayError,
    Totals,
    put_outreach_settings,
    replay,
    replay_progress,
    send_roster,
    wait_for_households,
)
from rollcall_dev.outreach_report import Inboxes, outreach_of, print_outreach
from rollcall_dev.district_report import district_report, print_district_report
from rollcall_dev.report import already_loaded, print_outcome, wait_for_eligibility
from rollcall_dev.stack import (
    SERVICES,
    Service,
    Sink,
    Stack,
    StackError,
    load_services,
    migrate,
    service_env,
)

VAR = Path("var")


@dataclass(frozen=True)
class Options:
    bootstrap: str | None
    """An existing broker to use; None starts the bundled one."""
    broker_port: int
    services: tuple[str, ...]
    mailbox_port: int | None
    """The local mailbox's port; None runs without it."""
    sms_gateway_port: int | None
    """The local SMS gateway's port; None runs without it."""
    demo: bool
    students: int
    schools: int
    days: int
    seed: int
    district_id: str

    @classmethod
    def from_env(cls) -> Options:
        env = os.environ
        bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap is None and env.get("LOCAL_BROKER", "1") == "0":
            bootstrap = "127.0.0.1:9092"
        names = tuple(
            n.strip()
            for n in env.get("ROLLCALL_SERVICES", ",".join(SERVICES)).split(",")
            if n.strip()
        )
        return cls(
            bootstrap=bootstrap,
            broker_port=int(env.get("LOCAL_BROKER_PORT", "9092")),
            services=names,
            mailbox_port=(
                int(env.get("LOCAL_MAILBOX_PORT", "8025"))
                if env.get("LOCAL_MAILBOX", "1") != "0"
                else None
            ),
            sms_gateway_port=(
                int(env.get("LOCAL_SMS_GATEWAY_PORT", "8026"))
                if env.get("LOCAL_SMS_GATEWAY", "1") != "0"
                else None
            ),
            demo=env.get("DEMO", "1") != "0",
            students=int(env.get("DEMO_STUDENTS", "600")),
            schools=int(env.get("DEMO_SCHOOLS", "3")),
            days=int(env.get("DEMO_DAYS", "60")),
            seed=int(env.get("DEMO_SEED", "2026")),
            district_id=env.get("DEMO_DISTRICT") or f"demo-{datetime.now():%Y%m%d-%H%M%S}",
        )


def start(stack: Stack, options: Options, console: Console) -> tuple[list[Service], str]:
    """Broker, topics, migrations and every service, each ready before this returns."""
    services = load_services(options.services)
    stack.var.mkdir(parents=True, exist_ok=True)
    bootstrap = options.bootstrap
    with console.status("Starting the Kafka broker ..."):
        if bootstrap is None:
            bootstrap = stack.start_broker(options.broker_port)
            console.print(
                f"[green]✓[/] bundled Kafka broker on {bootstrap} ({stack.var / 'broker.log'})"
            )
        stack.create_topics(bootstrap, services[0].settings.topic_partitions if services else 8)
    for service in services:
        with console.status(f"Migrating the {service.name} database ..."):
            migrate(service)
    console.print(f"[green]✓[/] databases migrated: {', '.join(s.name for s in services)}")
    env = service_env(bootstrap)
    if notifications := next((s for s in services if s.name == "notifications"), None):
        env.setdefault("NOTIFICATIONS_PUBLIC_URL", notifications.url)  # where callbacks come
        if ingest := next((s for s in services if s.name == "ingest"), None):
            env.setdefault("NOTIFICATIONS_INGEST_URL", ingest.url)  # where families are read
        for sink in local_sinks(options, stack.var, notifications):
            with console.status(f"Starting the {sink.title} ..."):
                stack.start_sink(sink, env)
            console.print(f"[green]✓[/] {sink.title} on {sink.url} ({sink.folder})")
            env.update(sink.settings)
    for service in services:
        stack.start_service(service, env)
    for service in services:
        with console.status(f"Waiting for {service.name} on {service.url}/readyz ..."):
            stack.wait_ready(service)
        console.print(f"[green]✓[/] {service.name} ready on {service.url}")
    return services, bootstrap


def local_sinks(options: Options, var: Path, notifications: Service) -> list[Sink]:
    """The local mailbox and SMS gateway to start, with settings pointing notifications there."""
    found = []
    if (port := options.mailbox_port) is not None:
        found.append(Sink(
            name="mailbox", title="local mailbox", module="rollcall_dev.mailbox", port=port,
            url=f"smtp://127.0.0.1:{port}", folder=var / "mail",
            received=f"Mail to families: {var / 'mail'}/ (an .eml file each)",
            port_variable="LOCAL_MAILBOX_PORT", off_variable="LOCAL_MAILBOX",
            settings={"NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(port),
                      "NOTIFICATIONS_SMTP_STARTTLS": "false"},
        ))  # fmt: skip
    if (port := options.sms_gateway_port) is not None:
        url = f"http://127.0.0.1:{port}/v1"
        account = notifications.settings.sms_account  # type: ignore[attr-defined]
        token = notifications.settings.sms_token.get_secret_value()  # type: ignore[attr-defined]
        found.append(Sink(
            name="sms-gateway", title="local SMS gateway", module="rollcall_dev.sms_gateway",
            port=port, url=url, folder=var / "sms",
            received=f"Texts to families: {var / 'sms' / 'messages.jsonl'} and {url}/Messages",
            port_variable="LOCAL_SMS_GATEWAY_PORT", off_variable="LOCAL_SMS_GATEWAY",
            env={"SMS_GATEWAY_ACCOUNT": account, "SMS_GATEWAY_TOKEN": token},
            settings={"NOTIFICATIONS_SMS_BASE_URL": url, "NOTIFICATIONS_SMS_ACCOUNT": account,
                      "NOTIFICATIONS_SMS_TOKEN": token},
        ))  # fmt: skip
    return found


def run_demo(
    stack: Stack, options: Options, services: list[Service], bootstrap: str, console: Console
) -> None:
    """Replay the demo district through ingest; show what eligibility, notifications and plans made."""
    by_name = {service.name: service for service in services}
    if not {"ingest", "eligibility"} <= by_name.keys():
        console.print("[yellow]The demo needs ingest and eligibility running; skipped.[/]")
        return
    district = District(
        district_id=options.district_id,
        seed=options.seed,
        schools=options.schools,
        students=options.students,
        days=options.days,
    )
    console.rule(f"Demo district {district.district_id}")
    console.print(
        f"{len(district.schools)} schools, {len(district.students):,} students, the first "
        f"{len(district.school_days)} school days of the 2025-26 school year"
    )
    eligibility = by_name["eligibility"].url
    loaded_before = already_loaded(district, eligibility)
    if loaded_before:
        console.print(
            f"[yellow]District {district.district_id} is already in these databases: most of its "
            "threshold events went to the broker of that earlier run.[/]"
        )
    notifications, plans = by_name.get("notifications"), by_name.get("plans")
    sinks = {sink.name: sink.folder for sink in stack.started_sinks}
    inboxes = Inboxes(
        mail=sinks.get("mailbox"),
        texts=sinks["sms-gateway"] / "messages.jsonl" if "sms-gateway" in sinks else None,
    )
    totals = Totals()
    try:
        with console.status("Sending the families: students, guardians, who lives with whom ..."):
            send_roster(district, by_name["ingest"].url, totals)
        console.print(
            f"[green]✓[/] {len(district.families):,} families sent to ingest "
            f"({sum(f.spanish for f in district.families):,} speak Spanish at home)"
        )
        if notifications is not None:
            prepare_outreach(district, notifications, console)
        if plans is not None:
            staff = put_school_teams(district, plans.url)
            console.print(f"[green]✓[/] {staff} staff put to plans: each school's attendance team owns its cases")
        with replay_progress() as progress:
            replay(district, by_name["ingest"].url, progress, totals)
    except ReplayError:
        stack.check_alive()  # a service that died says so, with its log
        raise
    outcome = asyncio.run(
        wait_for_eligibility(
            district, eligibility, bootstrap, stack.check_alive, expect_events=not loaded_before
        )
    )
    print_outcome(console, district, totals, outcome, eligibility)
    if outcome.differing or outcome.events_missing:
        console.print(
            f"[yellow]Eligibility did not catch up: see {stack.var / 'eligibility.log'}[/]"
        )
    if notifications is not None:
        with console.status("Waiting for texts and emails to go out, then printing the letters ..."):
            outreach = outreach_of(
                district, notifications.url, outcome.log, stack.var / "letters" / district.district_id,
                stack.check_alive, expect_events=not loaded_before and not outcome.events_missing,
            )  # fmt: skip
        print_outreach(console, district, outreach, inboxes)
        if not outreach.settled:
            console.print(
                f"[yellow]Outreach was still under way: see {stack.var / 'notifications.log'}[/]"
            )
    if plans is not None:
        with console.status("Waiting for the cases; a team works some of them ..."):
            cases = cases_of(district, plans.url, stack.var / "cases" / district.district_id, stack.check_alive)
        print_cases(console, district, cases)
        if not cases.settled:
            console.print(f"[yellow]Cases were still changing: see {stack.var / 'plans.log'}[/]")
    with console.status("Asking eligibility for the district's attendance reports ..."):
        report = district_report(district, eligibility, stack.var / "reports" / district.district_id)
    print_district_report(console, district, report)


def prepare_outreach(district: District, notifications: Service, console: Console) -> None:
    """The district's letterhead and schools; then wait until notifications knows the families."""
    put_outreach_settings(district, notifications.url)
    console.print(
        "[green]✓[/] letterhead and school names put to notifications; quiet hours are off for "
        f"the demo district (a district's default: no texts 20:00-08:00, here {TIME_ZONE})"
    )
    with console.status("Waiting for notifications to read the families from ingest ..."):
        known = wait_for_households(district, notifications.url)
    if not known:
        console.print(
            "[yellow]notifications does not know the families yet: outreach to them may say "
            "'no contact on file'[/]"
        )


def print_where(
    stack: Stack, services: list[Service], bootstrap: str, district_id: str, console: Console
) -> None:
    console.rule("Rollcall is running")
    for service in services:
        console.print(f"  {service.name:<14} {service.url:<24} {stack.var / f'{service.name}.log'}")
    broker_log = stack.var / "broker.log" if stack.broker else "(started elsewhere)"
    console.print(f"  {'kafka':<14} {bootstrap:<24} {broker_log}")
    for sink in stack.started_sinks:
        console.print(f"  {sink.name:<14} {sink.url:<24} {stack.var / f'{sink.name}.log'}")
    for sink in stack.started_sinks:
        console.print(sink.received)
    if services:
        console.print(f"Each service documents its API at /docs, e.g. {services[0].url}/docs")
    by_name = {service.name: service for service in services}
    if "ingest" in by_name:
        print_development_key(by_name, district_id, console)
    console.print("Press Ctrl-C to stop.")


def print_development_key(services: dict[str, Service], district_id: str, console: Console) -> None:
    """A client of the demo district with every scope, and how to get a token with it."""
    ingest = services["ingest"]
    made = development_client(ingest.settings.database_url, district_id)
    answer = httpx.post(f"{ingest.url}/oauth/token", auth=(made.client_id, made.client_secret),
                        data={"grant_type": "client_credentials"}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    console.print(f"Development API client of district {district_id} (every scope; a new secret each start):")
    console.print(f"  key     {made.client_id}\n  secret  {made.client_secret}")
    console.print(f"  token:  curl -s -u {made.client_id}:{made.client_secret} -d grant_type=client_credentials "
                  f"{ingest.url}/oauth/token", soft_wrap=True)  # fmt: skip
    if "eligibility" in services:
        console.print(f"  then:   curl -H 'Authorization: Bearer <access_token>' "
                      f"{services['eligibility'].url}/v1/districts/{district_id}/students", soft_wrap=True)  # fmt: skip


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    os.environ.setdefault("ROLLCALL_ENV", "development")  # the embedded keys, on this laptop only
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # a log file or a pipe gets whole table rows
    options = Options.from_env()
    stack = Stack(VAR)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    code = 0
    try:
        services, bootstrap = start(stack, options, console)
        if options.demo:
            run_demo(stack, options, services, bootstrap, console)
        print_where(stack, services, bootstrap, options.district_id, console)
        while True:
            stack.check_alive()
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("Stopping ...")
    except (StackError, ReplayError) as error:
        console.print(f"[red]error:[/] {error}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        console.print("Stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
