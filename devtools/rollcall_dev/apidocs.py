"""Export every service's OpenAPI document and the AsyncAPI document of every topic under docs/."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from rollcall_shared import topics
from rollcall_shared.events import (
    AttendanceEvent,
    CaseChanged,
    OutreachStatusChanged,
    RosterChanged,
    ThresholdChanged,
)

SERVICES = ("ingest", "eligibility", "notifications", "plans")
DOCS = Path(__file__).resolve().parents[2] / "docs"

CHANNELS: dict[str, tuple[str, str, Any]] = {
    topics.ATTENDANCE: (
        "Attendance, enrollment and school-day changes accepted by ingest; key `{district}:{student}`, "
        "calendar days `{district}@school:{school}`.",
        "ingest",
        TypeAdapter(AttendanceEvent),
    ),
    topics.ROSTER: ("Student and contact changes, identifiers only; key `{district}`.", "ingest", RosterChanged),
    topics.THRESHOLDS: (
        "threshold.crossed / threshold.cleared, once per change; key `{district}:{student}`.",
        "eligibility",
        ThresholdChanged,
    ),
    topics.OUTREACH: (
        "outreach.status-changed at every status change of an outreach item; key `{district}:{student}`.",
        "notifications",
        OutreachStatusChanged,
    ),
    topics.CASES: (
        "case.opened / case.updated / case.escalated / case.closed at every change of a case; key `{district}:{student}`.",
        "plans",
        CaseChanged,
    ),
    topics.DEAD_LETTER: (
        "Messages a consumer could not process; the original value with headers `x-dead-letter-reason`, "
        "`x-dead-letter-source` (topic/partition/offset) and `x-dead-letter-consumer`.",
        "eligibility",
        None,
    ),
}


def openapi(service: str) -> dict[str, Any]:
    return importlib.import_module(f"{service}.app").create_app().openapi()


def _schema(model: Any) -> dict[str, Any]:
    adapter = TypeAdapter(model) if isinstance(model, type) and issubclass(model, BaseModel) else model
    return adapter.json_schema(by_alias=True, ref_template="#/components/schemas/{model}")


def asyncapi() -> dict[str, Any]:
    channels, operations, messages, schemas = {}, {}, {}, {}
    for address, (description, sender, model) in CHANNELS.items():
        name = address.replace(".", "-")
        payload: dict[str, Any] = {"type": "string", "format": "binary"}
        if model is not None:
            schema = _schema(model)
            schemas.update(schema.pop("$defs", {}))
            payload = schema
        messages[name] = {"name": name, "contentType": "application/json", "payload": payload}
        channels[name] = {
            "address": address,
            "description": description,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"{sender}-sends-{name}"] = {"action": "send", "channel": {"$ref": f"#/channels/{name}"}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Rollcall events", "version": "1.0.0",
                 "description": "Kafka topics between Rollcall's services (see shared/rollcall_shared/events.py)."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def documents() -> dict[Path, dict[str, Any]]:
    docs = {DOCS / "openapi" / f"{service}.json": openapi(service) for service in SERVICES}
    docs[DOCS / "asyncapi.json"] = asyncapi()
    return docs


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main() -> None:
    stale = []
    for path, document in documents().items():
        text = render(document)
        if "--check" in sys.argv:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(DOCS.parent)}")
    if stale:
        sys.exit("out of date (run `make docs`): " + ", ".join(stale))


if __name__ == "__main__":
    main()
