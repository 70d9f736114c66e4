"""Every HTTP API fuzzed from its own OpenAPI document: no 5xx, no hang, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis

from rollcall_dev.apidocs import SERVICES, openapi
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

DISTRICT = "fuzz-district"
"""Every request names it: a token holds one district, and tenancy has tests of its own."""
CONFIG = {
    "seed": 20261123,  # a fixed seed: CI sends the same requests every run
    "request-timeout": 20,  # a hang fails its case instead of the run
    "generation": {"max-examples": 8, "database": "none"},
    "parameters": {"district_id": DISTRICT},
    # Within CI's budget: the methods a resource lacks are tried by two, not all seven.
    "phases": {"coverage": {"unexpected-methods": ["OPTIONS", "TRACE"], "generate-duplicate-query-parameters": False}},
    "checks": {
        "max_response_time": 10,
        # A schema cannot say every rule (a staff member must exist, a body must be an Ed-Fi interchange):
        # such refusals are problem documents, which the conformance checks still hold to their schema.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]},
        # Off: every service validates in Pydantic's lax mode (`0` passes as false, `"5"` as 5, `0` as a date),
        # and ingest names a bad record of a batch in a 200, as the contract says. Every answer is still checked.
        "negative_data_rejection": {"enabled": False},
    },
}
# The documents the apps serve, built without starting them (schemathesis' lazy `from_fixture` does not
# run under pytest 9.2); each case is sent to its service's running app.
APIS = {
    service: schemathesis.openapi.from_dict(openapi(service), config=schemathesis.Config.from_dict(CONFIG))
    for service in SERVICES
}


@schemathesis.pytest.parametrize(**APIS)
def test_no_request_breaks_a_service_or_gets_an_undocumented_answer(case, service_urls):
    service = case.operation.schema.raw_schema["info"]["title"].split()[-1]
    case.call_and_validate(base_url=service_urls[service], headers=bearer(DISTRICT, subject="fuzz"))

