"""Who read or changed a case, an outreach item or a family's contacts is kept, and nobody can edit it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.security.conftest import token

pytestmark = pytest.mark.integration


def _entries(answer) -> list[tuple[str, str, str, str | None]]:
    assert answer.status_code == 200, answer.text
    return [(e["clientId"], e["action"], e["resource"], e["resourceId"]) for e in answer.json()["items"]]


async def test_staff_reads_and_changes_are_kept_for_the_operator_and_cannot_be_edited(services, district_id, databases):
    base = f"/v1/districts/{district_id}"
    staff = token(district_id, "casework", client="rc_counselor")
    system = token(district_id, "summaries:read", client="rc_dashboard")
    operator = token(district_id, "admin", client="rc_operator")
    assert (await services.plans.put(f"{base}/staff/s-ana", json={"name": "Ana", "role": "counselor"},
                                     headers=operator, auth=None)).status_code == 200  # fmt: skip
    opened = await services.plans.post(f"{base}/cases", headers=staff, auth=None, json={
        "staffId": "s-ana", "studentId": "604822", "schoolId": "255901001", "schoolYear": 2022})  # fmt: skip
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["caseId"]
    await services.plans.get(f"{base}/cases/{case_id}", headers=staff, auth=None)
    await services.plans.patch(f"{base}/cases/{case_id}", headers=staff, auth=None,
                               json={"staffId": "s-ana", "followUpDue": "2022-01-10"})  # fmt: skip
    await services.plans.get(f"{base}/cases/{case_id}/record", headers=staff, auth=None)
    await services.plans.get(f"{base}/barriers", headers=staff, auth=None)  # a catalog: no record read
    await services.plans.get(f"{base}/cases", params={"studentId": "604822"}, headers=system, auth=None)
    await services.notifications.get(f"{base}/students/604822/household", headers=staff, auth=None)
    await services.notifications.get(f"{base}/outreach", params={"studentId": "604822"}, headers=staff, auth=None)

    plans_log = await services.plans.get(f"{base}/audit", headers=operator, auth=None)
    notifications_log = await services.notifications.get(f"{base}/audit", headers=operator, auth=None)
    one_case = await services.plans.get(f"{base}/audit", params={"resourceId": case_id}, headers=operator, auth=None)
    by_staff = await services.plans.get(f"{base}/audit", headers=staff, auth=None)
    elsewhere = await services.plans.get(f"/v1/districts/{district_id}-b/audit", headers=operator, auth=None)

    assert opened.status_code == 201
    assert _entries(plans_log) == [
        ("rc_counselor", "change", "case", None),
        ("rc_counselor", "read", "case", case_id),
        ("rc_counselor", "change", "case", case_id),
        ("rc_counselor", "read", "case", case_id),
        ("rc_dashboard", "read", "case", None),
    ]
    assert plans_log.json()["items"][2]["route"] == "PATCH /v1/districts/{district_id}/cases/{case_id}"
    assert plans_log.json()["items"][4]["query"] == "studentId=604822"
    assert _entries(notifications_log) == [("rc_counselor", "read", "household", "604822"),
                                           ("rc_counselor", "read", "outreach", None)]  # fmt: skip
    assert len(one_case.json()["items"]) == 3
    assert by_staff.status_code == 403 and elsewhere.status_code == 403
    first = await services.plans.get(f"{base}/audit", params={"limit": 2}, headers=operator, auth=None)
    rest = await services.plans.get(f"{base}/audit", params={"cursor": first.json()["next"]}, headers=operator, auth=None)
    assert _entries(first) + _entries(rest) == _entries(plans_log) and rest.json()["next"] is None

    database = create_engine(services.plans_database.replace("+asyncpg", "+psycopg"))
    try:
        for statement in ("UPDATE audit_entry SET client_id = 'someone-else'", "DELETE FROM audit_entry",
                          "TRUNCATE audit_entry"):  # fmt: skip
            with pytest.raises(DBAPIError, match="never changed or deleted"), database.begin() as connection:
                connection.execute(text(statement))
    finally:
        database.dispose()
    assert len(_entries(await services.plans.get(f"{base}/audit", headers=operator, auth=None))) == 5
