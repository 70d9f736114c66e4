"""The board report PDF: the district's figures, its monthly trend and bands by school and group, charted and
suppressed."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.eligibility.report_district import DAYS, served_district

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def reports(kafka_bootstrap, databases):
    async with served_district(kafka_bootstrap, databases) as served:
        yield served


def _read(pdf: bytes) -> tuple[str, int]:
    """The PDF's text, spaces evened out, and how many images its pages hold."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages), sum(len(page.images) for page in pages)


async def test_the_board_report_shows_the_figures_charts_and_tables_with_small_groups_withheld(reports):
    client, path = reports
    answer = await client.get(f"{path}/board.pdf", params={"schoolYear": 2022, "asOf": DAYS[-1].isoformat()})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text, images = _read(answer.content)
    district_id = path.split("/")[3]
    assert "Attendance report to the board" in text
    assert f"District {district_id}, school year 2021-2022, as of 2021-10-26." in text
    assert images == 3  # the monthly trend, bands by school, bands by race and ethnicity
    # The district: 13 students, 1 - 0.7 / 13 = 94.6%, bands 7, 2, 3 and 1 of 13.
    assert "District 13 94.6% 53.8% 15.4% 23.1% 7.7%" in text
    # September: 13 students, 1 - 17 / (13 * 22) = 94.1%, chronic 2 of 13; October as the district.
    assert "2021-09-30 13 94.1% 15.4%" in text and "2021-10-26 13 94.6% 30.8%" in text
    # School 100: s01-s07 (1 - .375 / 7); 200: s08-s13 (1 - .325 / 6).
    assert "Bands by school" in text
    assert "100 7 94.6% 57.1% 14.3% 14.3% 14.3%" in text and "200 6 94.6% 50.0% 16.7% 33.3% 0.0%" in text
    # One Hispanic or Latino and one White student (under 3): withheld; the 11 not reported are shown.
    assert "Bands by race and ethnicity" in text
    assert "Hispanic or Latino * * * * * *" in text and "White * * * * * *" in text
    assert "Not reported 11" in text
    assert not any(f"s{n:02d} " in text for n in range(1, 15))


async def test_a_group_too_small_to_show_takes_the_only_other_cell_with_it(reports):
    client, path = reports
    answer = await client.get(f"{path}/board.pdf", params={"asOf": DAYS[-1].isoformat(), "group": "englishLearner"})
    text, _ = _read(answer.content)
    # 2 English learners (under 3) are withheld, so the 11 others are too: the district total would give them away.
    assert "Bands by English learner" in text and "no * * * * * *" in text and "yes * * * * * *" in text


async def test_a_district_with_nothing_closed_yet_gets_a_report_that_says_so(reports):
    client, path = reports
    empty = path.replace(path.split("/")[3], "test-nothing-yet")
    answer = await client.get(f"{empty}/board.pdf", params={"asOf": DAYS[-1].isoformat()})
    text, images = _read(answer.content)
    assert answer.status_code == 200 and "No school day of the year is closed yet." in text
    assert "District * * * * * *" in text and "No student is counted yet." in text and images == 0


async def test_an_unknown_group_is_refused(reports):
    client, path = reports
    answer = await client.get(f"{path}/board.pdf", params={"asOf": DAYS[-1].isoformat(), "group": "school"})
    assert answer.status_code == 400 and "group: school is no student group" in answer.json()["detail"]
