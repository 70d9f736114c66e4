"""What a family reads: templates per kind, channel and language, and letters as PDF."""

from notifications.content.context import Absence, Child, Letterhead, OutreachContent, Recipient
from notifications.content.letters import letter_pdf, letters_pdf
from notifications.content.templates import (
    CHANNELS,
    KINDS,
    SUPPORTED_LANGUAGES,
    Rendered,
    Templates,
    language_of,
    sample_content,
)

__all__ = [
    "CHANNELS",
    "KINDS",
    "SUPPORTED_LANGUAGES",
    "Absence",
    "Child",
    "Letterhead",
    "OutreachContent",
    "Recipient",
    "Rendered",
    "Templates",
    "language_of",
    "letter_pdf",
    "letters_pdf",
    "sample_content",
]
