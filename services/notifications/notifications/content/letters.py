"""Letters as PDF: one page-aligned print batch, laid out for a US #10 double-window envelope.

Each letter starts on a new US Letter page: the district's name and address where the envelope's
return window shows them, its phone and email top right, the date, the recipient's block where
the address window shows it, then the subject and the body. The closing and signer are the end
of the rendered body, so a district words them in its template.

The PDF core fonts cover Latin-1, enough for English and Spanish; other characters (names in
other scripts, typographic quotes) are written as their nearest Latin-1 letter, or "?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rollcall_shared.pdf import latin_1

from notifications.content.context import OutreachContent
from notifications.content.filters import long_date
from notifications.content.templates import Rendered

INCH = 25.4
MARGIN = 0.875 * INCH
"""Left and right margin; also the left edge of both envelope windows."""
RETURN_WINDOW_TOP = 0.5 * INCH
ADDRESS_WINDOW_TOP = 2.042 * INCH
ADDRESS_LINES = 5
"""The address window is 7/8 inch tall: five lines at 10 pt."""
BODY_TOP = 3.375 * INCH
FONT = "helvetica"
LINE = 4.6
GAP = 0.6 * LINE
PAGE = {"en": "page", "es": "página"}


def letters_pdf(letters: Sequence[tuple[OutreachContent, Rendered]]) -> bytes:
    """One print batch; every letter starts on a new page."""
    if not letters:
        raise ValueError("a print batch needs at least one letter")
    pdf = _LetterPdf()
    pdf.set_creation_date(datetime.combine(letters[0][0].date, time(), UTC))
    for content, rendered in letters:
        pdf.add_letter(content, rendered)
    return bytes(pdf.output())


def letter_pdf(content: OutreachContent, rendered: Rendered) -> bytes:
    """A single letter, as a preview."""
    return letters_pdf([(content, rendered)])


class _LetterPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.set_margins(MARGIN, 0.75 * INCH, MARGIN)
        self.set_auto_page_break(True, margin=0.75 * INCH)
        self.set_title("Attendance letters")
        self._first_page = 1
        self._continuation = ""
        self._widths: dict[tuple[str, str, float, str], float] = {}

    def add_letter(self, content: OutreachContent, rendered: Rendered) -> None:
        self.add_page()
        # Set after add_page: closing the previous page runs footer() for the previous letter.
        self._first_page = self.page_no()
        self._continuation = latin_1(
            f"{content.recipient.name} - {PAGE.get(content.language, 'page')}"
        )
        self._letterhead(content)
        self._address_block(content)
        self.set_xy(MARGIN, BODY_TOP)
        if rendered.subject:
            self.set_font(FONT, "B", 11)
            self.multi_cell(
                0, LINE + 0.5, latin_1(rendered.subject), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(LINE / 2)
        self.set_font(FONT, "", 10)
        self._body(latin_1(rendered.body))

    def footer(self) -> None:
        page = self.page_no() - self._first_page + 1
        if page > 1:
            self.set_y(-0.5 * INCH)
            self.set_font(FONT, "", 8)
            self.set_text_color(110)
            self.cell(0, 4, f"{self._continuation} {page}", align="C")
            self.set_text_color(0)

    def _letterhead(self, content: OutreachContent) -> None:
        letterhead = content.letterhead
        self.set_xy(MARGIN, RETURN_WINDOW_TOP)
        self.set_font(FONT, "B", 12)
        self.cell(0, 5.5, latin_1(letterhead.district_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)
        for line in letterhead.address_lines[:3]:
            self.cell(0, 4, latin_1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(RETURN_WINDOW_TOP + 1.5)
        for line in (letterhead.phone, letterhead.email):
            if line:
                self.cell(0, 4, latin_1(line), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _address_block(self, content: OutreachContent) -> None:
        self.set_font(FONT, "", 10)
        self.set_xy(MARGIN, ADDRESS_WINDOW_TOP)
        self.cell(0, 4.2, latin_1(long_date(content.date, content.language)), align="R")
        self.set_xy(MARGIN, ADDRESS_WINDOW_TOP)
        lines = (content.recipient.name, *content.recipient.address_lines)[:ADDRESS_LINES]
        for line in lines:
            self.cell(3.5 * INCH, 4.2, latin_1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _body(self, body: str) -> None:
        paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
        closing = self._closing_start(paragraphs)
        for index, paragraph in enumerate(paragraphs):
            if index:
                self.ln(GAP)
            if index == closing:
                # The closing and signer are not split across pages.
                lines = sum(len(p.splitlines()) for p in paragraphs[closing:])
                self._keep_together(lines * LINE + (len(paragraphs) - closing) * GAP)
            for line in paragraph.splitlines():
                self._line(line)

    def _line(self, line: str) -> None:
        if line.endswith(":"):
            self._keep_together(3 * LINE)  # a heading stays with what it introduces
        bullet = line.startswith("- ")
        indent = 7 if bullet else 0
        text = line[2:] if bullet else line
        width = self.epw - indent
        for number, part in enumerate(self._wrap(text, width)):
            self._keep_together(LINE)
            if bullet and number == 0:
                self.set_x(MARGIN + 3)
                self.cell(4, LINE, "-")
            self.set_x(MARGIN + indent)
            if self._width(part) <= width:
                self.cell(width, LINE, part, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:  # one word wider than the page, such as a long link
                self.multi_cell(width, LINE, part, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _wrap(self, text: str, width: float) -> list[str]:
        """Lines of at most `width`, broken between words.

        fpdf2's multi_cell measures each line character by character; wrapping by words and writing
        cells makes a letter several times faster. Only a word wider than the page is left to it.
        """
        space = self._width(" ")
        lines, words, used = [], [], 0.0
        for word in text.split(" "):
            word_width = self._width(word)
            if words and used + space + word_width > width:
                lines.append(" ".join(words))
                words, used = [], 0.0
            used += (space if words else 0) + word_width
            words.append(word)
        lines.append(" ".join(words))
        return lines

    def _width(self, text: str) -> float:
        """The text's width in the current font; a batch measures the same words again and again."""
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        if (width := self._widths.get(key)) is None:
            width = self._widths[key] = self.get_string_width(text)
        return width

    def _closing_start(self, paragraphs: list[str]) -> int:
        """Where the closing begins: the last few paragraphs of short lines ("Sincerely," ...)."""
        start = len(paragraphs)
        while start > 0 and len(paragraphs) - start < 3 and self._is_short(paragraphs[start - 1]):
            start -= 1
        return start

    def _is_short(self, paragraph: str) -> bool:
        lines = paragraph.splitlines()
        return len(lines) <= 3 and all(self._width(line) < self.epw for line in lines)

    def _keep_together(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
