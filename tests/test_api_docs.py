"""The exported API documents match what the services serve."""

import importlib
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker

from rollcall_dev.apidocs import DOCS, SERVICES, documents, render
from rollcall_shared import asyncapi, topics
from rollcall_shared.service import Runtime

SENDS = {
    "ingest": {topics.ATTENDANCE, topics.ROSTER},
    "eligibility": {topics.THRESHOLDS, topics.SCHOOLS, topics.DEAD_LETTER},
    "notifications": {topics.OUTREACH, topics.DEAD_LETTER},
    "plans": {topics.CASES, topics.DEAD_LETTER},
}
"""What each service's publishers write; every consumer also dead-letters."""


@cache
def served(service: str) -> dict[str, Any]:
    """The service's /asyncapi.json; the app is not started, the document needs neither database nor broker."""
    response = TestClient(importlib.import_module(f"{service}.app").create_app()).get("/asyncapi.json")
    assert response.status_code == 200
    return response.json()


def subscribed(service: str) -> set[str]:
    """The topics the service's own `subscribe` registers on a broker that is never started."""
    app = importlib.import_module(f"{service}.app")
    if not hasattr(app, "subscribe"):
        return set()
    broker = KafkaBroker()
    settings = importlib.import_module(f"{service}.settings").Settings()
    services = {"roster": None, "planner": None, "caseworker": None}
    app.subscribe(broker, Runtime(settings=settings, clock=None, database=None, producer=None, relay=None,
                                  services=services))
    return {topic for subscriber in broker.subscribers for topic in subscriber.topic_names}


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        yield from [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_exported_openapi_and_asyncapi_documents_are_current():
    stale = [path.name for path, doc in documents().items() if not path.exists() or path.read_text() != render(doc)]
    assert not stale, f"run `make docs`: {stale} differ from what the services describe"


def test_asyncapi_describes_the_threshold_topic_with_the_contract_fields():
    threshold = asyncapi.document()["components"]["messages"]["eligibility-thresholds-v1"]["payload"]
    assert {"eventId", "type", "districtId", "studentId", "schoolId", "schoolYear", "ruleId", "tier", "metrics",
            "occurredAt"} <= set(threshold["properties"])


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_exactly_the_topics_it_sends_and_receives(service):
    document = served(service)
    operations = document["operations"].values()
    actions = {(op["action"], resolve(document, op["channel"]["$ref"])["address"]) for op in operations}
    expected = {("send", topic) for topic in SENDS[service]} | {("receive", topic) for topic in subscribed(service)}
    assert actions == expected
    assert {channel["address"] for channel in document["channels"].values()} == {topic for _, topic in expected}


@pytest.mark.parametrize("service", SERVICES)
def test_every_reference_in_a_served_document_resolves(service):
    document = served(service)
    for ref in refs(document):
        assert resolve(document, ref) is not None, ref
    assert all("payload" in message for message in document["components"]["messages"].values())


@pytest.mark.parametrize("service", SERVICES)
def test_a_served_document_is_the_exported_one_cut_to_the_service(service):
    exported, document = json.loads((DOCS / "asyncapi.json").read_text()), served(service)
    for part in ("channels", "operations"):
        assert document[part].items() <= exported[part].items()
    for part in ("messages", "schemas"):
        assert document["components"][part].items() <= exported["components"][part].items()
