"""After a replay: wait until outreach to the demo's families settles, print the letters, show what went out."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from rollcall_dev.district import District
from rollcall_dev.thresholds import ThresholdLog
from rollcall_dev.tokens import operator_tokens

OUTREACH_SECONDS = 180.0
"""How long the texts and emails of the crossings may take to go out."""
STATUSES = (
    "pending_approval", "scheduled", "sent", "delivered", "failed", "cancelled", "suppressed",
)  # fmt: skip
Item = dict[str, Any]


@dataclass
class Inboxes:
    """What the local mailbox and SMS gateway held before the demo, to count what it added."""

    mail: Path | None
    texts: Path | None

    def __post_init__(self) -> None:
        self._mail_before = set(self.mail.glob("*.eml")) if self.mail else set()
        self._texts_before = len(self._texts())

    def new_mail(self) -> int:
        return len(set(self.mail.glob("*.eml")) - self._mail_before) if self.mail else 0

    def new_texts(self) -> list[dict[str, Any]]:
        return self._texts()[self._texts_before :]

    def _texts(self) -> list[dict[str, Any]]:
        if self.texts is None or not self.texts.exists():
            return []
        return [json.loads(line) for line in self.texts.read_text().splitlines() if line.strip()]


@dataclass
class OutreachOutcome:
    items: list[Item]
    settled: bool
    """Every crossing has its items and no text or email is still on its way."""
    batches: list[dict[str, Any]]
    folder: Path
    """Where the print batches' PDFs were saved."""


def outreach_of(
    district: District,
    notifications_url: str,
    log: ThresholdLog,
    folder: Path,
    check_alive: Callable[[], None],
    *,
    expect_events: bool,
) -> OutreachOutcome:
    """Wait until outreach settles, print today's letters, save each batch's PDF into `folder`."""
    base = f"/v1/districts/{district.district_id}"
    with httpx.Client(base_url=notifications_url, timeout=60, auth=operator_tokens()) as client:
        reaches = _get(client, f"{base}/settings")["outreach"]
        expected = sum(log.crossed(rule) for rule, sends in reaches.items() if sends)
        deadline = time.monotonic() + OUTREACH_SECONDS
        while True:
            items = _outreach(client, base)
            settled = _settled(items, expected if expect_events else 0)
            if settled or time.monotonic() > deadline:
                break
            check_alive()
            time.sleep(1)
        answer = client.post(f"{base}/letter-batches", json={})
        answer.raise_for_status()
        items = _outreach(client, base)
        printed = {item["batchId"] for item in items if item.get("batchId")}
        batches = [
            batch
            for batch in _get(client, f"{base}/letter-batches?limit=1000")
            if batch["batchId"] in printed
        ]
        folder.mkdir(parents=True, exist_ok=True)
        for batch in batches:
            pdf = client.get(f"{base}/letter-batches/{batch['batchId']}.pdf")
            pdf.raise_for_status()
            (folder / f"{batch['schoolId']}-{batch['printDate']}.pdf").write_bytes(pdf.content)
    return OutreachOutcome(items, settled, batches, folder)


def _get(client: httpx.Client, path: str) -> Any:
    answer = client.get(path)
    answer.raise_for_status()
    return answer.json()


def _outreach(client: httpx.Client, base: str) -> list[Item]:
    items: list[Item] = []
    cursor = None
    while True:
        cursor_query = f"&cursor={cursor}" if cursor else ""
        page = _get(client, f"{base}/outreach?limit=1000{cursor_query}")
        items += page["items"]
        if not (cursor := page["next"]):
            return items


def _settled(items: list[Item], expected_crossings: int) -> bool:
    planned = {item["crossingEventId"] for item in items if item["kind"] == "notice"}
    on_its_way = any(
        item["status"] == "scheduled" or (item["channel"] == "sms" and item["status"] == "sent")
        for item in items
        if item["channel"] != "letter"
    )
    return len(planned) >= expected_crossings and not on_its_way


def print_outreach(
    console: Console, district: District, outreach: OutreachOutcome, inboxes: Inboxes
) -> None:
    items = outreach.items
    counts = Counter((item["channel"], item["status"]) for item in items)
    statuses = [status for status in STATUSES if any(s == status for _, s in counts)]
    path = f"/v1/districts/{district.district_id}/outreach"
    table = Table(title="Outreach to families, by channel and status", caption=f"GET {path}")
    table.add_column("channel")
    for column in (*statuses, "items"):
        table.add_column(column, justify="right")
    for channel in ("letter", "email", "sms"):
        row = [counts[channel, status] for status in statuses]
        table.add_row(channel, *map(str, row), str(sum(row)))
    console.print(table)
    held_back = (item for item in items if item["status"] in ("failed", "suppressed"))
    reasons = Counter(item["reason"] for item in held_back)
    if reasons:
        said = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common(5))
        console.print(f"Suppressed or failed: {said}")
    letters, pdfs = sum(batch["letters"] for batch in outreach.batches), len(outreach.batches)
    console.print(
        f"{letters} letters (one per household and rule) printed into {pdfs} PDFs, one per "
        f"school: {outreach.folder}/ (POST /v1/districts/{district.district_id}/letter-batches "
        "prints now; a district's batches are otherwise made at its print time)"
    )
    if inboxes.mail:
        instead = _emails_instead_of_texts(items)
        console.print(
            f"{inboxes.new_mail()} emails in the local mailbox: {inboxes.mail}/ (an .eml each)"
            + (f"; {instead} instead of a text that could not be delivered" if instead else "")
        )
    texts = inboxes.new_texts()
    if inboxes.texts:
        undeliverable = sum(text["to"].endswith("0000") for text in texts)
        console.print(
            f"{len(texts)} texts at the local SMS gateway: {inboxes.texts} ({undeliverable} to "
            "numbers ending in 0000, which it reports undeliverable)"
        )
    if texts:
        # a text that also names a sibling shows a household getting one message, not two
        carriers = {item["mergedInto"] for item in items if item["channel"] == "sms"}
        example = next((t for t in texts if t["idempotency_key"] in carriers), texts[0])
        title = "An example text (to a generated family)"
        console.print(Panel(example["body"], title=title, title_align="left", expand=False))


def _emails_instead_of_texts(items: list[Item]) -> int:
    """Emails that went out because the same crossing's text could not be delivered."""
    texts = (i for i in items if i["channel"] == "sms")
    failed = {i["crossingEventId"] for i in texts if i["status"] == "failed"}
    return sum(i["channel"] == "email" and i["crossingEventId"] in failed for i in items)
