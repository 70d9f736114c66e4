"""The exported API documents match what the services serve."""

from rollcall_dev.apidocs import documents, render


def test_exported_openapi_and_asyncapi_documents_are_current():
    stale = [path.name for path, document in documents().items() if not path.exists() or path.read_text() != render(document)]
    assert not stale, f"run `make docs`: {stale} differ from what the services describe"


def test_asyncapi_describes_the_threshold_topic_with_the_contract_fields():
    threshold = documents()[next(p for p in documents() if p.name == "asyncapi.json")]["components"]["messages"][
        "eligibility-thresholds-v1"
    ]["payload"]
    assert {"eventId", "type", "districtId", "studentId", "schoolId", "schoolYear", "ruleId", "tier", "metrics",
            "occurredAt"} <= set(threshold["properties"])
