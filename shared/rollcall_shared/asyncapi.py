"""AsyncAPI 3.0 documents of the topics: each topic's payload, the services that send it and those that receive it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter

from rollcall_shared import topics
from rollcall_shared.events import (
    CaseChanged,
    OutreachStatusChanged,
    RosterChanged,
    SchoolAttendanceChanged,
    ThresholdChanged,
    attendance_event,
)

CONSUMERS = ("eligibility", "notifications", "plans")
"""The services that subscribe to topics: each dead-letters what it cannot process."""


@dataclass(frozen=True)
class Channel:
    """Who sends and who receives a topic, and its payload (None: any bytes, as a dead letter keeps them)."""

    payload: type[BaseModel] | TypeAdapter[Any] | None
    senders: tuple[str, ...]
    receivers: tuple[str, ...] = ()


CHANNELS = {
    topics.ATTENDANCE: Channel(attendance_event, ("ingest",), ("eligibility", "plans")),
    topics.ROSTER: Channel(RosterChanged, ("ingest",), ("notifications",)),
    topics.THRESHOLDS: Channel(ThresholdChanged, ("eligibility",), ("notifications", "plans")),
    topics.SCHOOLS: Channel(SchoolAttendanceChanged, ("eligibility",)),
    topics.OUTREACH: Channel(OutreachStatusChanged, ("notifications",), ("plans",)),
    topics.CASES: Channel(CaseChanged, ("plans",)),
    topics.DEAD_LETTER: Channel(None, CONSUMERS),
}

DESCRIPTIONS = {
    topics.ATTENDANCE: "Attendance, enrollment, school-day and student-group changes accepted by ingest; "
    "key `{district}:{student}`, "
    "calendar days `{district}@school:{school}`.",
    topics.ROSTER: "Student and contact changes, identifiers only; key `{district}`.",
    topics.THRESHOLDS: "threshold.crossed / threshold.cleared, once per change; key `{district}:{student}`.",
    topics.SCHOOLS: "school.attendance-below-target once per dip of a school's attendance over its last school days "
    "under the district's target, school.attendance-recovered when it is back; key `{district}@school:{school}`.",
    topics.OUTREACH: "outreach.status-changed at every status change of an outreach item; key `{district}:{student}`.",
    topics.CASES: "case.opened / case.updated / case.escalated / case.closed at every change of a case; "
    "key `{district}:{student}`.",
    topics.DEAD_LETTER: "Messages a consumer could not process; the original value with headers "
    "`x-dead-letter-reason`, `x-dead-letter-source` (topic/partition/offset) and `x-dead-letter-consumer`.",
}


def _payload(model: type[BaseModel] | TypeAdapter[Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payload's JSON schema, and the schemas it refers to under `#/components/schemas/`."""
    if model is None:
        return {"type": "string", "format": "binary"}, {}
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    schema = adapter.json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    return schema, schema.pop("$defs", {})


def document(service: str | None = None) -> dict[str, Any]:
    """The topics `service` sends and receives, or, without a service, every topic of the system."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for address, channel in CHANNELS.items():
        roles = [(who, "send") for who in channel.senders] + [(who, "receive") for who in channel.receivers]
        roles = [(who, action) for who, action in roles if service in (None, who)]
        if not roles:
            continue
        name = address.replace(".", "-")
        payload, refers_to = _payload(channel.payload)
        schemas.update(refers_to)
        messages[name] = {"name": name, "contentType": "application/json", "payload": payload}
        channels[name] = {
            "address": address,
            "description": DESCRIPTIONS[address],
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        for who, action in roles:
            operations[f"{who}-{action}s-{name}"] = {"action": action, "channel": {"$ref": f"#/channels/{name}"}}
    about = "between Rollcall's services" if service is None else f"that {service} sends and receives"
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Rollcall events" if service is None else f"Rollcall {service} events",
            "version": "1.0.0",
            "description": f"Kafka topics {about} (see shared/rollcall_shared/events.py).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
