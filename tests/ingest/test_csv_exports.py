"""SIS daily-attendance CSV exports through a named column mapping."""

from __future__ import annotations

import pytest

from rollcall_shared import topics

pytestmark = pytest.mark.integration

EXPORT = """StudentID,SchoolID,AttendanceDate,AttendanceCode,MinutesAbsent,Reason
604822,255901001,09/01/2021,U,,
604822,255901001,09/02/2021,T,35,Bus late
604823,255901001,09/02/2021,E,,"Doctor, dentist"
604824,255901001,13/02/2021,Q,ten,
"""


async def post_export(ingest, district_id: str, body: str, profile: str = "generic-daily"):
    return await ingest.post(
        f"/v1/districts/{district_id}/csv/daily-attendance?profile={profile}",
        content=body.encode("utf-8-sig"),
        headers={"content-type": "text/csv"},
    )


async def test_generic_daily_export_maps_sis_codes_to_ed_fi_categories(ingest, district_id):
    answer = await post_export(ingest, district_id, EXPORT)

    assert answer.status_code == 200, answer.text
    assert answer.json()["resources"] == {
        "studentSchoolAttendanceEvents": {"accepted": 3, "duplicates": 0, "rejected": 1}
    }
    assert answer.json()["rejected"] == [{"index": 3, "errors": [
        "AttendanceDate: not a date",
        "AttendanceCode: not an attendance event category",
        "MinutesAbsent: not a whole number",
    ]}]
    events = await ingest.published(topics.ATTENDANCE, district_id)
    assert sorted((e["studentId"], e["date"], e["category"], e["minutes"], e["reason"]) for _, e in events) == [
        ("604822", "2021-09-01", "Unexcused Absence", None, None),
        ("604822", "2021-09-02", "Tardy", 35, "Bus late"),
        ("604823", "2021-09-02", "Excused Absence", None, "Doctor, dentist"),
    ]


async def test_ed_fi_daily_export_repeating_the_generic_one_is_all_duplicates(ingest, district_id):
    await post_export(ingest, district_id, EXPORT)
    same = (
        "studentUniqueId,schoolId,eventDate,attendanceEventCategoryDescriptor,schoolAttendanceDuration\n"
        "604822,255901001,2021-09-01,uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence,\n"
    )

    answer = await post_export(ingest, district_id, same, profile="ed-fi-daily")

    assert (answer.json()["accepted"], answer.json()["duplicates"]) == (0, 1)
