"""What staff write about a family is ciphertext in plans' database, and the API gives it back as written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.plans.caseload import SCHOOL, Plans
from tests.support.stored import plaintext_in, stored_case_bytes

pytestmark = pytest.mark.integration

MONDAY = date.today() - timedelta(days=date.today().weekday())
ATTENDED = ["Rosa Delgado (grandmother)", "Luis Delgado"]
MEETING_NOTES = "Rosa says the family lost its apartment in March; the children sleep at an aunt's."
NOTE = "Father works nights at the cannery; Dr. Okafor is treating Mateo's asthma."
ACKNOWLEDGED_BY = "Rosa Delgado, grandmother"
CLOSING_NOTE = "Family moved in with the aunt in Fresno; records sent to Fresno Unified."
WRITTEN = (*ATTENDED, "Rosa Delgado", MEETING_NOTES, "lost its apartment", NOTE, "Okafor", "asthma", ACKNOWLEDGED_BY,
           CLOSING_NOTE, "Fresno")  # fmt: skip


async def test_notes_meetings_acknowledgements_and_a_closing_note_are_ciphertext_at_rest_and_read_back_as_written(
    plans: Plans,
):
    api, base = plans.api, plans.base
    opened = await api.post(f"{base}/cases", json={
        "staffId": "s-ana", "studentId": "820001", "schoolId": SCHOOL, "schoolYear": 2022,
    })  # fmt: skip
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["caseId"]

    async def post(path: str, body: dict[str, Any]) -> None:
        answer = await api.post(f"{base}/cases/{case_id}/{path}", json={"staffId": "s-ana", **body})
        assert answer.status_code in (200, 201), answer.text

    await post("plan/meetings", {"heldOn": MONDAY.isoformat(), "staffIds": ["s-ana"], "familyMembers": ATTENDED,
                                 "familyAttended": True, "notes": MEETING_NOTES})  # fmt: skip
    await post("plan/notes", {"text": NOTE})
    await post("plan/acknowledgements", {"acknowledgedOn": MONDAY.isoformat(), "acknowledgedBy": ACKNOWLEDGED_BY,
                                         "how": "signed"})  # fmt: skip
    await post("close", {"outcome": "left-district", "note": CLOSING_NOTE})

    plan = (await api.get(f"{base}/cases/{case_id}/plan")).json()
    case = await plans.case(case_id)
    stored = stored_case_bytes(plans.database_url, plans.district_id,
                               "plan_meeting", "plan_note", "plan_acknowledgement", "case_entry")  # fmt: skip

    [meeting] = plan["meetings"]
    assert (meeting["familyMembers"], meeting["notes"]) == (ATTENDED, MEETING_NOTES)
    assert [note["text"] for note in plan["notes"]] == [NOTE]
    assert [ack["acknowledgedBy"] for ack in plan["acknowledgements"]] == [ACKNOWLEDGED_BY]
    closing = [entry for entry in case["timeline"] if entry["what"] == "case.closed"]
    assert [entry["detail"]["why"] for entry in closing] == [CLOSING_NOTE]
    assert stored.count(case_id.encode()) >= 4, "the case's rows are read: meeting, note, acknowledgement, timeline"
    assert plaintext_in(stored, *WRITTEN) == []
