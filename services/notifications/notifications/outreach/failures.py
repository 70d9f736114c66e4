"""Why one item cannot go out, in words for attendance staff: never a family's name, number or address."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from cryptography.fernet import InvalidToken

from rollcall_shared.logs import origin

from notifications.content.context import OutreachContent
from notifications.content.sandbox import template_line

INVALID_ADDRESS = "the email address on file is not a valid address"
UNREADABLE_CONTACT = "the family's contact details cannot be read with the current keys"
INTERRUPTED = "interrupted while sending; not sent again so it cannot arrive twice"
TEMPLATE_FAILED = "the district's template failed on this family's data: "
HIDDEN = "[...]"

log = logging.getLogger(__name__)


class ItemFailure(Exception):
    """This item's own, and for good: it fails with `reason` and the others go on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def template_failed(error: BaseException, content: OutreachContent, *family: str | None) -> ItemFailure:
    """The template's error and the line it stopped at, with any of the family's words in it hidden."""
    line = template_line(error)
    detail = hidden(str(error) or type(error).__name__, [*_words(content), *family])
    return ItemFailure(f"{TEMPLATE_FAILED}{f'line {line}: ' if line else ''}{detail}")


def reason_for(error: BaseException, outreach_ids: Iterable[str] = ()) -> str:
    """The reason items fail with, for an error that is neither an outage nor a provider's answer.

    An error nobody foresaw is logged (its type and place, never its message) for the operators.
    """
    if isinstance(error, ItemFailure):
        return error.reason
    if any(isinstance(cause, InvalidToken) for cause in _chain(error)):
        return UNREADABLE_CONTACT
    log.error("items %s could not be prepared: %s", ", ".join(outreach_ids), origin(error))
    return f"could not be prepared ({type(error).__name__})"


def hidden(text: str, words: Iterable[str | None]) -> str:
    """`text` with every one of `words` (longest first) replaced, so a quoted value never reaches the reason."""
    for word in sorted({word.strip() for word in words if word and len(word.strip()) > 1}, key=len, reverse=True):
        text = text.replace(word, HIDDEN)
    return " ".join(text.split())


def _words(content: OutreachContent) -> list[str]:
    children = [name for child in content.children for name in (child.first_name, child.last_name)]
    return [*children, content.recipient.name, *content.recipient.name.split(), *content.recipient.address_lines]


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
