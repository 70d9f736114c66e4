"""Text for PDFs written with the core fonts, which cover Latin-1 only (enough for English and Spanish)."""

from __future__ import annotations

import unicodedata

_NEAREST_LATIN_1 = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "-", "\u2009": " ", "\u202f": " ", "\u20ac": "EUR",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ø": "O", "Œ": "OE", "œ": "oe", "ı": "i",
})  # fmt: skip


def latin_1(text: str) -> str:
    """The text in characters the PDF core fonts have."""
    text = unicodedata.normalize("NFC", text).translate(_NEAREST_LATIN_1)
    if all(ord(character) < 256 for character in text):
        return text
    return "".join(character if ord(character) < 256 else _nearest(character) for character in text)


def _nearest(character: str) -> str:
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", character)
        if ord(part) < 256 and not unicodedata.combining(part)
    )
    return base or "?"
