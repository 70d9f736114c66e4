"""Letters as PDF, read back the way a print shop or a parent's screen reader would see them."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

import pytest
from notifications.content import (
    Absence,
    OutreachContent,
    Recipient,
    render_default,
    sample_content,
)
from notifications.content.letters import letter_pdf, letters_pdf
from pypdf import PdfReader

from tests.notifications.test_templates import EC_48260_5_EN, EC_48260_5_ES

INCH = 72  # PDF points


def letter(content: OutreachContent):
    return content, render_default(content, "letter")


def pages(pdf: bytes) -> list[str]:
    """Each page's text, with line breaks and wrapping folded into single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def addressed_to(content: OutreachContent, name: str) -> OutreachContent:
    return replace(content, recipient=replace(content.recipient, name=name))


def test_letter_names_each_child_and_lists_their_dates_with_their_kind():
    text = text_of(letter_pdf(*letter(sample_content("truancy-1", "en"))))

    assert "Ana Sample, Sample Elementary School:" in text
    assert "Luis Sample, Sample Middle School:" in text
    assert "- Tuesday, September 7, 2021: absent without a valid excuse" in text
    assert (
        "- Monday, September 13, 2021: late by more than 30 minutes without a valid excuse" in text
    )


def test_letter_carries_letterhead_date_recipient_subject_and_signature():
    text = text_of(letter_pdf(*letter(sample_content("chronic", "en"))))

    for part in (
        "Sample Unified School District 1 District Way Springfield, CA 90000",
        "(555) 010-0100",
        "November 5, 2021",
        "Carmen Sample 123 Example Street, Apt 4 Springfield, CA 90000",
        "Ana and Luis: we would like to help with attendance",
        "Sincerely, Attendance Office Sample Unified School District",
    ):
        assert part in text


def test_recipient_block_sits_in_the_address_window_of_a_10_envelope():
    content = sample_content("chronic", "en")
    content = replace(
        content, letterhead=replace(content.letterhead, address_lines=("1 District Way",))
    )
    pdf = letter_pdf(*letter(content))
    placed = {}

    def record(text, _cm, tm, _font, _size):
        if text.strip():
            placed.setdefault(text.strip(), (tm[4], 11 * INCH - tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=record)

    for line in ("Carmen Sample", "123 Example Street, Apt 4", "Springfield, CA 90000"):
        left, from_top = placed[line]
        assert 0.5 * INCH <= left <= 1.5 * INCH
        assert 2.042 * INCH <= from_top <= 2.917 * INCH


def test_spanish_letter_is_really_in_spanish():
    text = text_of(letter_pdf(*letter(sample_content("success-plan", "es"))))

    assert "5 de noviembre de 2021" in text
    assert "Estimado/a Carmen Sample:" in text
    assert "- martes, 7 de septiembre de 2021: ausencia justificada" in text
    assert "Le invitamos a reunirse con nosotros" in text
    assert "Atentamente, Oficina de Asistencia" in text
    assert not {"Dear", "Sincerely", "September", "absent", "school"} & set(text.split())


def test_truancy_1_letter_carries_ec_48260_5_notice_in_english():
    text = text_of(letter_pdf(*letter(sample_content("truancy-1", "en"))))

    assert [item for item in EC_48260_5_EN if item not in text] == []


def test_truancy_1_letter_carries_ec_48260_5_notice_in_spanish():
    text = text_of(letter_pdf(*letter(sample_content("truancy-1", "es"))))

    assert [item for item in EC_48260_5_ES if item not in text] == []


def test_each_letter_of_a_batch_starts_on_a_new_page():
    batch = [
        letter(addressed_to(sample_content("truancy-1", "es"), "Rosa Uno")),
        letter(addressed_to(sample_content("chronic-risk", "en"), "Maya Dos")),
        letter(addressed_to(sample_content("correction", "en"), "Omar Tres")),
    ]
    alone = [pages(letter_pdf(*item)) for item in batch]

    printed = pages(letters_pdf(batch))

    assert len(printed) == sum(len(letter_pages) for letter_pages in alone)
    first_pages = [sum(len(p) for p in alone[:n]) for n in range(len(batch))]
    for first, (content, _) in zip(first_pages, batch, strict=True):
        assert printed[first].startswith("Sample Unified School District")
        assert content.recipient.name in printed[first]
    assert sum(page.startswith("Sample Unified School District") for page in printed) == 3


def test_a_long_letter_continues_on_pages_numbered_for_its_family():
    content = sample_content("truancy-3", "en")
    absences = tuple(
        Absence(
            date=date(2021, 9, 1) + timedelta(days=n), category="Unexcused Absence", truant=True
        )
        for n in range(60)
    )
    content = replace(content, children=(replace(content.children[0], absences=absences),))

    printed = pages(letter_pdf(*letter(content)))

    assert len(printed) >= 2
    assert "Carmen Sample - page 2" in printed[1]
    assert "Sincerely, Attendance Office" in printed[-1]


@pytest.mark.parametrize("kind", ["truancy-1", "truancy-3", "chronic"])
@pytest.mark.parametrize(
    ("language", "signature"),
    [
        ("en", "Sincerely, Attendance Office Sample Unified School District"),
        ("es", "Atentamente, Oficina de Asistencia Sample Unified School District"),
    ],
)
def test_closing_and_signer_are_not_split_across_pages(kind, language, signature):
    printed = pages(letter_pdf(*letter(sample_content(kind, language))))

    assert any(signature in page for page in printed)


def test_names_outside_latin_1_do_not_crash_and_keep_their_letters():
    content = sample_content("truancy-1", "en")
    content = replace(
        content,
        recipient=Recipient(name="Łukasz Wiśniewski", address_lines=("12 “Main” St — Unit 3",)),
        children=(
            replace(content.children[0], first_name="Nguyễn", last_name="Thị Ánh"),
            replace(content.children[1], first_name="王芳", last_name="Lee"),
        ),
    )

    text = text_of(letter_pdf(*letter(content)))

    assert "Lukasz Wisniewski" in text
    assert '12 "Main" St - Unit 3' in text
    assert "Nguyen Thi Ánh" in text
    assert "?? Lee" in text


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError):
        letters_pdf([])


def test_the_same_letters_print_the_same_bytes():
    batch = [letter(sample_content("chronic", "es"))]

    assert letters_pdf(batch) == letters_pdf(batch)
