"""What a family reads: templates per kind, channel and language (`letters` makes letters as PDF).

The PDF module is not imported here: template worker processes import this package and stay light.
"""

from notifications.content.context import Absence, Child, Letterhead, OutreachContent, Recipient
from notifications.content.templates import (
    CHANNELS,
    KINDS,
    SUPPORTED_LANGUAGES,
    Rendered,
    TemplateFailed,
    Templates,
    language_of,
    render_default,
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
    "TemplateFailed",
    "Templates",
    "language_of",
    "render_default",
    "sample_content",
]
