"""Outreach for `make bench`: letter, email and SMS text, and letters as print-batch PDFs, per second.

Generated households go through `notifications.content` as the notifications service renders them;
nothing here needs a broker or a database. The figures are the section of docs/benchmarks.md
between the two `bench:outreach` markers, which a run replaces and leaves the rest of the file be.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from datetime import date

from rich.console import Console
from rich.progress import Progress

from notifications.content import (
    CHANNELS,
    KINDS,
    SUPPORTED_LANGUAGES,
    Absence,
    Child,
    Letterhead,
    OutreachContent,
    Recipient,
    render_default,
)
from notifications.content.letters import letters_pdf
from rollcall_dev.measure import machine, median_rate
from rollcall_dev.school_year import SCHOOL_YEAR, school_days

SECTION_START = "<!-- bench:outreach -->"
SECTION_END = "<!-- /bench:outreach -->"
DISTRICT_STUDENTS = 50_000
TRUANCY_1_SHARE = 0.15
"""A heavy evening: the share of the district whose families get a truancy-1 letter at once."""
ENROLLED_DAYS = 60
CHUNK = 50
"""Text renders timed between two advances of the progress bar."""

FIRST_NAMES = {
    "en": ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Mia", "James", "Harper", "Lucas",
           "Aaliyah", "Jayden", "Chloe", "Mateo", "Zoë", "Minh", "Priya", "DeShawn", "Hannah", "Owen"),
    "es": ("Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Sebastián", "Ximena", "Diego",
           "María José", "Ángel", "Lucía", "Joaquín", "Renata", "Emiliano", "Guadalupe", "Iñaki"),
}  # fmt: skip
LAST_NAMES = {
    "en": ("Johnson", "Williams", "Nguyễn", "O'Brien", "Patel", "Kowalczyk", "Washington",
           "Thompson", "Begay", "Kim", "Anderson-Lee", "Okafor", "Sørensen", "Brooks"),
    "es": ("García", "Hernández", "Martínez", "López", "González", "Pérez", "Núñez", "Peña",
           "Ramírez de la Cruz", "Sánchez", "Ibáñez", "Castañeda", "Ortiz", "Villaseñor"),
}  # fmt: skip
STREETS = ("Maple Avenue", "Cesar Chavez Street", "Oak Street", "Mission Boulevard",
           "Sycamore Lane", "Avenida del Sol", "Pine Court", "Lincoln Way")  # fmt: skip
SCHOOLS = ("Lincoln Elementary School", "Roosevelt Middle School", "Franklin Elementary School",
           "Jefferson High School", "Madison K-8 Academy")  # fmt: skip

UNEXCUSED = ("Unexcused Absence", True)
LATE = ("Tardy", True)
EXCUSED = ("Excused Absence", False)
DAYS = (UNEXCUSED, LATE, EXCUSED)
# What the days missed before a crossing of each kind are: weights of DAYS.
_MIX = {
    "truancy-1": (6, 3, 1), "truancy-2": (6, 3, 1), "truancy-3": (6, 3, 1),
    "success-plan": (3, 1, 4), "chronic-risk": (1, 1, 6), "chronic": (1, 1, 8), "correction": (0, 1, 6),
}  # fmt: skip
LETTERHEADS = {
    language: Letterhead(
        district_name="Rollcall Bench Unified School District",
        address_lines=("1200 District Way", "Springfield, CA 90210"),
        phone="(555) 010-0100",
        email="attendance@bench.example.org",
        signer="Oficina de Asistencia" if language == "es" else "Attendance Office",
    )
    for language in SUPPORTED_LANGUAGES
}


@dataclass
class OutreachFigures:
    households: int
    batch: int
    repeats: int
    text: dict[str, float] = field(default_factory=dict)
    """Median items/s by channel."""
    pdf_rate: float = 0.0
    """Median letters/s of `letters_pdf` on an already rendered batch."""
    combined_rate: float = 0.0
    """Median letters/s of a print batch end to end: letter text, then the PDF."""
    pdf_bytes: int = 0
    pages: int = 0
    pdf: bytes = field(default=b"", repr=False)
    """The last print batch, to look at."""

    @property
    def megabytes_per_thousand(self) -> float:
        return self.pdf_bytes / self.batch * 1000 / 1e6


def households(count: int, *, seed: int = SCHOOL_YEAR) -> list[OutreachContent]:
    """`count` messages, each kind and language in turn, to made-up households of 1-3 children."""
    rng = random.Random(seed)
    days = school_days()
    combinations = [(kind, language) for kind in KINDS for language in SUPPORTED_LANGUAGES]
    return [_household(rng, number, *combinations[number % len(combinations)], days)
            for number in range(count)]


def _household(rng: random.Random, number: int, kind: str, language: str,
               days: list[date]) -> OutreachContent:
    last_name = rng.choice(LAST_NAMES[language])
    children = tuple(_child(rng, f"{number:06d}-{n}", last_name, kind, language, days)
                     for n in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0]))
    apartment = f", Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else ""
    return OutreachContent(
        kind=kind,
        rule_id=rng.choice(KINDS[:3]) if kind == "correction" else kind,
        language=language,
        children=children,
        recipient=Recipient(
            name=f"{rng.choice(FIRST_NAMES[language])} {last_name}",
            address_lines=(f"{rng.randint(10, 9999)} {rng.choice(STREETS)}{apartment}",
                           f"Springfield, CA {rng.randint(90001, 96162)}"),
        ),
        letterhead=LETTERHEADS[language],
        date=days[ENROLLED_DAYS],
        school_year=SCHOOL_YEAR,
    )


def _child(rng: random.Random, student_id: str, last_name: str, kind: str, language: str,
           days: list[date]) -> Child:
    missed = rng.randint(3, 15)
    dates = sorted(rng.sample(days[:ENROLLED_DAYS], missed))
    kinds = rng.choices(DAYS, weights=_MIX[kind], k=missed)
    absences = tuple(Absence(date=day, category=category, truant=truant)
                     for day, (category, truant) in zip(dates, kinds))
    absent_days = sum(a.category != "Tardy" for a in absences)
    school = rng.choice(SCHOOLS)
    return Child(
        student_id=f"B-{student_id}",
        first_name=rng.choice(FIRST_NAMES[language]),
        last_name=last_name,
        school_id=school.split()[0].lower(),
        school_name=school,
        absent_days=absent_days,
        truant_days=sum(a.truant for a in absences),
        unexcused_period_absences=rng.choice((0, 0, 0, 2, 5)),
        enrolled_days=ENROLLED_DAYS,
        absence_rate=absent_days / ENROLLED_DAYS,
        absences=absences,
    )


def measure_outreach(*, count: int = 1000, batch: int = 500, repeats: int = 5,
                     console: Console | None = None) -> OutreachFigures:
    """Renders `count` households on every channel and a print batch of `batch` letters, `repeats` times."""
    messages = households(count)
    letters = (messages * (batch // len(messages) + 1))[:batch]
    for content in messages[: len(KINDS) * len(SUPPORTED_LANGUAGES)]:
        for channel in CHANNELS:  # compiles each template once, as a running service has
            render_default(content, channel)
    figures = OutreachFigures(households=count, batch=batch, repeats=repeats)
    with Progress(console=console, disable=console is None) as progress:
        for channel in CHANNELS:
            task = progress.add_task(f"{channel} text", total=count * repeats)
            seconds = [_render_all(messages, channel, progress, task) for _ in range(repeats)]
            figures.text[channel] = median_rate(count, seconds)
            progress.update(task, description=f"{channel} text: {figures.text[channel]:,.0f}/s")
        rendered = [(content, render_default(content, "letter")) for content in letters]
        task = progress.add_task(f"PDF, batches of {batch:,}", total=batch * repeats)
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            figures.pdf = letters_pdf(rendered)
            seconds.append(time.perf_counter() - started)
            progress.advance(task, batch)
        figures.pdf_rate = median_rate(batch, seconds)
        progress.update(task, description=f"PDF: {figures.pdf_rate:,.0f} letters/s")
        task = progress.add_task("letter text + PDF", total=batch * repeats)
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            figures.pdf = letters_pdf([(c, render_default(c, "letter")) for c in letters])
            seconds.append(time.perf_counter() - started)
            progress.advance(task, batch)
        figures.combined_rate = median_rate(batch, seconds)
        progress.update(task, description=f"letter text + PDF: {figures.combined_rate:,.0f} letters/s")
    figures.pdf_bytes = len(figures.pdf)
    figures.pages = len(re.findall(rb"/Type /Page\b", figures.pdf))
    return figures


def _render_all(messages: list[OutreachContent], channel: str,
                progress: Progress, task: int) -> float:
    """Seconds to render every message on the channel; the progress bar is not timed."""
    seconds = 0.0
    for start in range(0, len(messages), CHUNK):
        chunk = messages[start : start + CHUNK]
        started = time.perf_counter()
        for content in chunk:
            render_default(content, channel)
        seconds += time.perf_counter() - started
        progress.advance(task, len(chunk))
    return seconds


def outreach_section(figures: OutreachFigures) -> str:
    """The figures as docs/benchmarks.md's outreach section, markers included."""
    text, batch = figures.text, figures.batch
    letters = round(DISTRICT_STUDENTS * TRUANCY_1_SHARE)
    evening = letters / figures.combined_rate
    return f"""{SECTION_START}
## Outreach: items rendered per second

`python -m rollcall_dev.bench --only outreach` on {date.today():%Y-%m-%d}: {machine()};
one process, no broker or database. {figures.households:,} generated households, every kind
({", ".join(KINDS)}) in English and Spanish, 1-3 children each with 3-15 days missed,
rendered with the packaged templates through `notifications.content`, as the notifications service
renders them. Each figure is the median of {figures.repeats} runs, after every template has been
rendered once.

| figure | value |
| --- | --- |
| letter text (heading + body) | **{text["letter"]:,.0f} letters/s** |
| email (subject + body) | **{text["email"]:,.0f} emails/s** |
| SMS | **{text["sms"]:,.0f} messages/s** |
| PDF of a print batch of {batch:,} rendered letters (`letters_pdf`) | **{figures.pdf_rate:,.0f} letters/s**; {figures.pages / batch:.2f} pages a letter, {figures.megabytes_per_thousand:.2f} MB per 1,000 letters |
| a print batch end to end: letter text, then the PDF | **{figures.combined_rate:,.0f} letters/s** ({batch:,} letters in {batch / figures.combined_rate:.1f} s) |
| a heavy evening: {letters:,} letters ({TRUANCY_1_SHARE:.0%} of {DISTRICT_STUDENTS:,} students crossing truancy-1 at once) | **{evening:.0f} s** on one core, {letters / batch:.0f} print batches, {letters * figures.megabytes_per_thousand / 1000:.0f} MB of PDF; the same households' emails {letters / text["email"]:.1f} s, SMS {letters / text["sms"]:.1f} s |

Reproduce: `uv run --frozen python -m rollcall_dev.bench --only outreach` (under a minute;
`--households`, `--print-batch`, `--repeats`); `make bench` runs it before the district stages.
Where the time goes (cProfile of a print batch end to end): about three quarters in fpdf2, which
writes each of a letter's 40-50 lines as one cell and styles and copies its graphics state per
cell; the rest in the sandboxed Jinja templates, of which some 40% is Babel formatting each day
missed as a full date.
{SECTION_END}
"""


def split_section(document: str) -> tuple[str, str]:
    """(the document without the outreach section, the section), the section "" when absent."""
    start = document.find(SECTION_START)
    if start < 0:
        return document, ""
    end = document.find(SECTION_END, start)
    end = len(document) if end < 0 else end + len(SECTION_END)
    return document[:start].rstrip() + "\n" + document[end:].lstrip("\n"), document[start:end]
