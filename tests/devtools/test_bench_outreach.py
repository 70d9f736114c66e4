"""The outreach bench: generated households, its rates, its print batch and its section of the docs."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from notifications.content import KINDS, SUPPORTED_LANGUAGES, render_default
from notifications.content.letters import letter_pdf
from rollcall_shared.pdf import latin_1
from rollcall_dev.bench_outreach import (
    SECTION_END,
    SECTION_START,
    households,
    measure_outreach,
    outreach_section,
    split_section,
)


def test_households_cover_every_kind_and_language_the_same_way_each_time():
    messages = households(28)

    assert {(m.kind, m.language) for m in messages} == {
        (kind, language) for kind in KINDS for language in SUPPORTED_LANGUAGES
    }
    assert all(1 <= len(m.children) <= 3 for m in messages)
    assert all(3 <= len(c.absences) <= 15 for m in messages for c in m.children)
    assert messages == households(28)


def test_outreach_bench_reports_rates_and_a_print_batch_that_opens_with_a_page_per_letter_start():
    figures = measure_outreach(count=14, batch=6, repeats=1)

    assert set(figures.text) == {"letter", "email", "sms"}
    assert all(rate > 0 for rate in figures.text.values())
    assert figures.pdf_rate > 0 and figures.combined_rate > 0
    letters = [(c, render_default(c, "letter")) for c in households(14)[:6]]
    each = [len(PdfReader(BytesIO(letter_pdf(c, r))).pages) for c, r in letters]
    batch = PdfReader(BytesIO(figures.pdf))
    assert len(batch.pages) == figures.pages == sum(each)
    starts = [sum(each[:n]) for n in range(len(each))]
    for (content, _), start in zip(letters, starts):
        assert latin_1(content.recipient.name) in batch.pages[start].extract_text()


def test_outreach_section_replaces_its_own_part_of_the_document_and_keeps_the_rest():
    section = outreach_section(measure_outreach(count=14, batch=2, repeats=1))
    document = f"# Benchmarks\n\nHand-written notes.\n\n{SECTION_START}\nold figures\n{SECTION_END}\n"

    head, old = split_section(document)

    assert head == "# Benchmarks\n\nHand-written notes.\n"
    assert old == f"{SECTION_START}\nold figures\n{SECTION_END}"
    assert split_section(f"{head}\n{section}") == (head, section.strip())
    assert "letters/s" in section and "7,500 letters" in section
