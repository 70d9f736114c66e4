"""Every route of every service checks the token itself: its district, then its scope; the policy is this table."""

from __future__ import annotations

import re

import pytest

from rollcall_shared.auth import CLIENT_SCOPES, Scope
from rollcall_shared.tokens import development_keys
from tests.security.conftest import token

pytestmark = pytest.mark.integration

W, R, S, A, ROSTER = Scope.ATTENDANCE_WRITE, Scope.SUMMARIES_READ, Scope.CASEWORK, Scope.ADMIN, Scope.ROSTER_READ
D = "/v1/districts/{district_id}"
NOTIFICATIONS = development_keys("notifications")
POLICY: dict[str, dict[tuple[str, str], set[Scope]]] = {
    "ingest": {
        **{("POST", f"{D}/ed-fi/{resource}"): {W} for resource in (
            "studentSchoolAssociations", "calendarDates", "studentSchoolAttendanceEvents",
            "studentSectionAttendanceEvents", "students", "contacts", "studentContactAssociations", "interchanges",
            "studentEducationOrganizationAssociations", "studentSpecialEducationProgramAssociations",
            "studentSchoolFoodServiceProgramAssociations", "studentHomelessProgramAssociations",
            "studentProgramAssociations")},
        ("POST", f"{D}/csv/daily-attendance"): {W},
        ("POST", f"{D}/schools/{{school_id}}/closed-days"): {W},
        ("GET", f"{D}/roster"): {ROSTER},
    },
    "eligibility": {
        ("GET", f"{D}/students/{{student_id}}/summary"): {R, S},
        ("GET", f"{D}/students"): {R, S},
        ("GET", f"{D}/playbook"): {R, S, A},
        ("PUT", f"{D}/playbook"): {A},
        ("POST", f"{D}/rebuilds"): {A},
        ("GET", f"{D}/rebuilds/{{rebuild_id}}"): {A},
        **{("GET", f"{D}/reports/{report}"): {R, S} for report in (
            "attendance", "attendance/trend", "attendance.csv", "board.pdf")},
        ("GET", f"{D}/schools/{{school_id}}/attendance-target"): {R, S},
        ("GET", f"{D}/schools/{{school_id}}/campaigns/report"): {R, S},
    },
    "notifications": {
        ("GET", f"{D}/outreach"): {R, S},
        ("GET", f"{D}/outreach/{{outreach_id}}"): {S},
        ("POST", f"{D}/outreach/approvals"): {S},
        ("POST", f"{D}/outreach/bounces"): {S},
        ("POST", f"{D}/letter-batches"): {S},
        ("GET", f"{D}/letter-batches"): {S},
        ("GET", f"{D}/letter-batches/{{batch_id}}.pdf"): {S},
        ("GET", f"{D}/students/{{student_id}}/household"): {S},
        ("GET", f"{D}/settings"): {S, A},
        ("PUT", f"{D}/settings"): {A},
        ("GET", f"{D}/templates/{{kind}}/{{channel}}/{{language}}"): {S, A},
        ("PUT", f"{D}/templates/{{kind}}/{{channel}}/{{language}}"): {A},
        ("DELETE", f"{D}/templates/{{kind}}/{{channel}}/{{language}}"): {A},
        ("POST", f"{D}/templates/{{kind}}/{{channel}}/{{language}}/preview"): {A},
        ("GET", f"{D}/audit"): {A},
    },
    "plans": {
        ("GET", f"{D}/cases"): {R, S},
        **{(method, f"{D}/cases{rest}"): {S} for method, rest in (
            ("POST", ""), ("GET", "/{case_id}"), ("PATCH", "/{case_id}"), ("POST", "/{case_id}/close"),
            ("GET", "/{case_id}/record"), ("GET", "/{case_id}/record.pdf"), ("GET", "/{case_id}/plan"),
            ("POST", "/{case_id}/plan/barriers"), ("POST", "/{case_id}/plan/goal"),
            ("POST", "/{case_id}/plan/interventions"), ("PATCH", "/{case_id}/plan/interventions/{intervention_id}"),
            ("POST", "/{case_id}/plan/meetings"), ("POST", "/{case_id}/plan/notes"),
            ("POST", "/{case_id}/plan/acknowledgements"))},
        ("GET", f"{D}/barriers"): {S},
        ("GET", f"{D}/interventions/catalog"): {S},
        ("GET", f"{D}/reports/interventions"): {R, S},
        ("PUT", f"{D}/staff/{{staff_id}}"): {A},
        ("GET", f"{D}/staff"): {S, A},
        ("PUT", f"{D}/schools/{{school_id}}/team"): {A},
        ("GET", f"{D}/schools/{{school_id}}/team"): {S, A},
        ("GET", f"{D}/audit"): {A},
    },
}  # fmt: skip
UNGUARDED = {"/metrics", "/asyncapi.json", "/healthz", "/readyz", "/oauth/token", "/.well-known/jwks.json",
             f"{D}/sms/status", f"{D}/sms/inbound"}  # fmt: skip
"""Probes and documents, the token endpoint and the public keys of tokens, and the SMS provider's callbacks (signed by
the provider)."""


def _concrete(path: str, district_id: str) -> str:
    return re.sub(r"\{\w+\}", "x1", path.replace("{district_id}", district_id))


async def test_every_route_is_in_the_policy_and_nothing_else_is_open(services):
    for name, routes in POLICY.items():
        documented = {(method.upper(), path) for path, operations in
                      (await services.of(name).get("/openapi.json")).json()["paths"].items()
                      for method in operations if path not in UNGUARDED}  # fmt: skip
        assert documented == set(routes), name


@pytest.mark.parametrize("name", list(POLICY))
async def test_each_route_admits_its_scopes_of_its_own_district_only(services, name, district_id):
    client = services.of(name)
    other = f"{district_id}-other"
    for (method, template), allowed in POLICY[name].items():
        path = _concrete(template, district_id)

        async def answer(headers: dict[str, str] | None) -> tuple[int, dict]:
            got = await client.request(method, path, json={}, headers=headers, auth=None)
            return got.status_code, got.json() if got.headers.get("content-type", "").endswith("json") else {}

        status, body = await answer(None)
        assert status == 401 and "bearer token" in body["detail"], (method, path)
        status, body = await answer(token(other, *CLIENT_SCOPES))
        assert (status, body["detail"]) == (403, "this token's client belongs to another district"), (method, path)
        for scope in CLIENT_SCOPES:
            status, body = await answer(token(district_id, scope))
            if scope in allowed:
                assert status not in (401, 403), (method, path, scope, body)
            else:
                assert status == 403 and "needs a token with the scope" in body["detail"], (method, path, scope)
        # roster:read is a service's scope: on notifications' own token, never on a client's
        status, body = await answer(token(district_id, ROSTER, keys=NOTIFICATIONS, issuer="notifications",
                                          audience=(name,)))  # fmt: skip
        assert (status not in (401, 403)) if ROSTER in allowed else status in (401, 403), (method, path, body)
        status, body = await answer(token(district_id, ROSTER))
        assert status == 401 and "only services" in body["detail"], (method, path)
