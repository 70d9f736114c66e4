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
District staff supply templates, so they run in Jinja's immutable sandbox: no attribute starting
with an underscore, no mutating methods, only the packaged templates to import. The sandbox does
not bound time or memory; the caller limits template size.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, fields
from functools import lru_cache

from jinja2 import PackageLoader, StrictUndefined, Template, TemplateRuntimeError, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.content.context import OutreachContent
from notifications.content.filters import FILTERS
from notifications.content.samples import sample_content

__all__ = [
    "CHANNELS",
    "KINDS",
    "SUPPORTED_LANGUAGES",
    "Rendered",
    "Templates",
    "language_of",
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


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    """The email subject or letter heading; None for SMS."""
    body: str


class Templates:
    """Renders outreach content with the packaged defaults or a district's own template."""

    def __init__(self) -> None:
        self._env = ImmutableSandboxedEnvironment(
            loader=PackageLoader(__package__, "templates"),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self._env.filters.update(FILTERS)
        self._from_string = lru_cache(maxsize=256)(self._env.from_string)

    def default_source(self, kind: str, channel: str, language: str) -> str:
        """The packaged template's text, the starting point of a district's own."""
        source, _, _ = self._env.loader.get_source(
            self._env, _default_name(kind, channel, language)
        )
        return source

    def render(
        self, *, content: OutreachContent, channel: str, source: str | None = None
    ) -> Rendered:
        """The message; `source` is a district's template, else the packaged default is used."""
        _require(channel, CHANNELS, "channel")
        if source is None:
            template = self._env.get_template(
                _default_name(content.kind, channel, content.language)
            )
        else:
            template = self._from_string(source)
        return _render(template, content, channel)

    def check(
        self, source: str, *, channel: str | None = None, sample: OutreachContent | None = None
    ) -> list[str]:
        """What is wrong with a district's template, in words for the person who wrote it.

        With `sample` (see `sample_content`) it is also rendered, to catch unknown names and
        refused access that only show when the template runs.
        """
        try:
            template = self._from_string(source)
        except TemplateSyntaxError as error:
            return [f"line {error.lineno}: {error.message}"]
        tree = self._env.parse(source)
        blocks = {block.name for block in tree.find_all(nodes.Block)}
        inherits = tree.find(nodes.Extends) is not None
        errors = []
        if "body" not in blocks and not inherits:
            errors.append("the message must be inside {% block body %}...{% endblock %}")
        if channel in ("letter", "email") and "subject" not in blocks and not inherits:
            errors.append(
                f"the {channel} needs a subject: {{% block subject %}}...{{% endblock %}}"
            )
        if errors or sample is None:
            return errors
        try:
            _render(template, sample, channel or "letter")
        except Exception as error:  # any failure on sample data is the template's to fix
            line = _template_line(error)
            where = f"line {line}: " if line else ""
            return [f"{where}rendering the sample failed: {error}"]
        return []


def _default_name(kind: str, channel: str, language: str) -> str:
    _require(kind, KINDS, "kind")
    _require(channel, CHANNELS, "channel")
    _require(language, SUPPORTED_LANGUAGES, "language")
    return f"{language}/{kind}.{channel}.j2"


def _require(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")


def _render(template: Template, content: OutreachContent, channel: str) -> Rendered:
    variables = {field.name: getattr(content, field.name) for field in fields(content)}
    variables["school_year_name"] = f"{content.school_year - 1}-{content.school_year % 100:02d}"
    context = template.new_context(variables)
    try:
        # Running the top level performs its imports and sets and collects inherited blocks.
        for _ in template.root_render_func(context):
            pass
        if "body" not in context.blocks:
            raise TemplateRuntimeError("the template has no {% block body %}")
        body = "".join(context.blocks["body"][0](context))
        subject = None
        if channel != "sms" and "subject" in context.blocks:
            subject = "".join(context.blocks["subject"][0](context))
    except Exception:
        # As Template.render does: the traceback then points at the template's own lines.
        template.environment.handle_exception()
    return Rendered(subject=_one_line(subject), body=_tidy(body))


def _one_line(text: str | None) -> str | None:
    words = (text or "").split()
    return " ".join(words) if words else None


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _template_line(error: BaseException) -> int | None:
    """The line of the district's template where rendering failed, when the traceback shows it."""
    frames = traceback.extract_tb(error.__traceback__)
    lines = [frame.lineno for frame in frames if frame.filename == "<template>"]
    return lines[-1] if lines else None
