"""What a family reads: Jinja2 templates per kind, channel and language, rendered in a sandbox.

A template puts the message in `{% block body %}...{% endblock %}` and the email subject or
letter heading in `{% block subject %}...{% endblock %}` (SMS has no subject). Text outside the
blocks is not part of the message, so top-level `{% import %}` and `{% set %}` serve both blocks,
and `{% extends %}` works as usual. Output is plain text: runs of blank lines collapse to one,
trailing spaces go, and the subject is one line.

Variables: the fields of `OutreachContent` (`kind`, `rule_id`, `language`, `children`,
`recipient`, `letterhead`, `date`, `school_year`) and `school_year_name` ("2021-22").
Filters, in the message's language: `long_date`, `full_date`, `short_date`, `names` (first
names joined naturally), `percent`.

The defaults live in `templates/<language>/<kind>.<channel>.j2`, with shared wording in
`templates/<language>/_macros.j2`, which a district's own template may import or extend.
District staff supply templates, so theirs are checked and rendered in worker processes
(`notifications.content.workers`) under the limits of `notifications.content.sandbox`: Jinja's
immutable sandbox (no attribute starting with an underscore, no mutating methods, only the
packaged templates to import), numbers of at most 1,000 digits, text and lists repeated by `*` to
at most 10,000 characters or items, `range()` of at most 1,000 numbers, 10,000 loop steps in all,
a message no longer than its channel allows, and the time and memory limits of the settings.
The packaged defaults are trusted and render in this process.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from notifications.content.context import OutreachContent
from notifications.content.samples import sample_content
from notifications.content.sandbox import Rendered, TemplateFailed, environment, render
from notifications.content.workers import TemplateWorkers, check_source, render_source

__all__ = [
    "CHANNELS",
    "KINDS",
    "SUPPORTED_LANGUAGES",
    "Rendered",
    "TemplateFailed",
    "Templates",
    "language_of",
    "render_default",
    "sample_content",
]

SUPPORTED_LANGUAGES = ("en", "es")
KINDS = (
    "truancy-1",
    "truancy-2",
    "truancy-3",
    "success-plan",
    "chronic-risk",
    "chronic",
    "correction",
)
CHANNELS = ("letter", "email", "sms")

_LANGUAGE_NAMES = {
    "en": "en", "eng": "en", "english": "en",
    "es": "es", "spa": "es", "spanish": "es", "español": "es", "espanol": "es",
    "castellano": "es", "castilian": "es",
}  # fmt: skip


def language_of(descriptor: str | None) -> str | None:
    """The supported language an Ed-Fi LanguageDescriptor names ("...#spa", "es-MX", "Spanish")."""
    if not descriptor:
        return None
    value = descriptor.rsplit("#", 1)[-1].strip().casefold()
    first_word = re.match(r"[^\W\d_]+", value)
    return _LANGUAGE_NAMES.get(first_word.group()) if first_word else None


def render_default(content: OutreachContent, channel: str) -> Rendered:
    """The message in the packaged template, in this process: the defaults are trusted."""
    env = environment()
    return render(env.get_template(_default_name(content.kind, channel, content.language)), content, channel)


class Templates:
    """Renders outreach content with the packaged defaults or a district's own template."""

    def __init__(self, workers: TemplateWorkers, *, max_characters: Mapping[str, int]) -> None:
        """`max_characters`: the longest message a district's template may write, per channel."""
        self._workers = workers
        self._max_characters = dict(max_characters)

    def default_source(self, kind: str, channel: str, language: str) -> str:
        """The packaged template's text, the starting point of a district's own."""
        env = environment()
        source, _, _ = env.loader.get_source(env, _default_name(kind, channel, language))
        return source

    async def render(
        self, *, content: OutreachContent, channel: str, source: str | None = None
    ) -> Rendered:
        """The message; `source` is a district's template, else the packaged default is used.

        A district's template that fails or breaks a limit raises `TemplateFailed` saying why.
        """
        _require(channel, CHANNELS, "channel")
        if source is not None:
            return await self._workers.run(
                render_source, source, content, channel, self._max_characters[channel]
            )
        # A long letter takes milliseconds: enough to keep off the event loop.
        return await asyncio.to_thread(render_default, content, channel)

    async def check(
        self, source: str, *, channel: str | None = None, sample: OutreachContent | None = None
    ) -> list[str]:
        """What is wrong with a district's template, in words for the person who wrote it.

        With `sample` (see `sample_content`) it is also rendered, to catch unknown names, refused
        access and broken limits that only show when the template runs.
        """
        if channel is not None:
            _require(channel, CHANNELS, "channel")
        longest = self._max_characters[channel or "letter"]
        try:
            return await self._workers.run(check_source, source, channel, sample, longest)
        except TemplateFailed as failure:
            return [f"{failure} on the sample" if sample is not None else str(failure)]


def _default_name(kind: str, channel: str, language: str) -> str:
    _require(kind, KINDS, "kind")
    _require(channel, CHANNELS, "channel")
    _require(language, SUPPORTED_LANGUAGES, "language")
    return f"{language}/{kind}.{channel}.j2"


def _require(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
