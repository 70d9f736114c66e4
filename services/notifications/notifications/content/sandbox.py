"""The sandbox templates render in: Jinja's immutable sandbox, with limits on arithmetic, loops and length.

Jinja's sandbox keeps a template away from Python's internals but bounds neither time nor memory.
Here the power operator and `*` are refused before they make a huge number, text or list, `range()`
is short, every `{% for %}` step is counted against one budget per message, and a message past its
channel's length is refused as it is written. Time and memory are bounded by the worker process a
district's template runs in (`notifications.content.workers`).
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined, Template, TemplateNotFound, TemplateRuntimeError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import pass_context

from notifications.content.context import OutreachContent
from notifications.content.filters import FILTERS

MAX_DIGITS = 1_000
"""Numbers made by `**` and `*`."""
MAX_REPEAT = 10_000
"""Characters or items of text and lists repeated by `*`."""
MAX_RANGE = 1_000
"""Numbers in one `range()` (Jinja's sandbox allows 100,000)."""
MAX_STEPS = 10_000
"""`{% for %}` steps in all, while one message is written."""
MAX_SUBJECT = 300
"""Characters of an email subject or letter heading."""
_STEP_FILTER = "_loop_step"


class LimitExceeded(SecurityError):
    """A template went past one of the sandbox's limits; the message says which."""


class TemplateFailed(Exception):
    """A district's template could not write its message; the message says why, for its author."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    """The email subject or letter heading; None for SMS."""
    body: str


class _CountedLoops(CodeGenerator):
    """Compiles every `{% for %}` to take its items through the step filter, so loops are counted."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            counted = nodes.Filter(loop.iter, _STEP_FILTER, [], [], None, None, lineno=loop.iter.lineno)
            loop.iter = counted.set_environment(self.environment)
        super().visit_Template(node, frame)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox that refuses huge numbers, text, lists and loops."""

    intercepted_binops = frozenset({"*", "**"})  # also keeps Jinja from folding them at compile time
    code_generator_class = _CountedLoops

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        else:
            _check_product(left, right)
        return super().call_binop(context, operator, left, right)


@cache
def environment() -> LimitedSandbox:
    """The packaged templates' environment, one per process; district templates compile in it too."""
    env = LimitedSandbox(
        loader=PackageLoader(__package__, "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.filters[_STEP_FILTER] = _loop_step
    env.globals["range"] = _range
    return env


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log10(abs(base)) > MAX_DIGITS:
            raise LimitExceeded(f"the power operator is limited to results of {MAX_DIGITS:,} digits")


def _check_product(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if (abs(left).bit_length() + abs(right).bit_length()) * math.log10(2) > MAX_DIGITS + 1:
            raise LimitExceeded(f"numbers are limited to {MAX_DIGITS:,} digits")
        return
    sequence, count = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(count, int) and isinstance(sequence, str | list | tuple) and len(sequence) * count > MAX_REPEAT:
        raise LimitExceeded(
            f"repeating text or a list with * is limited to results of {MAX_REPEAT:,} characters or items"
        )


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:  # more than the machine's integers hold
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise LimitExceeded(f"range() is limited to {MAX_RANGE:,} numbers")
    return numbers


class _Steps:
    def __init__(self) -> None:
        self.left = MAX_STEPS


_steps: ContextVar[_Steps | None] = ContextVar("template_loop_steps", default=None)


@pass_context  # a context filter is never run at compile time
def _loop_step(_context: Context, items: Iterable[Any]) -> Iterator[Any]:
    steps = _steps.get()
    for item in items:
        if steps is not None:
            steps.left -= 1
            if steps.left < 0:
                raise LimitExceeded(f"loops are limited to {MAX_STEPS:,} steps in all")
        yield item


def render(template: Template, content: OutreachContent, channel: str, max_characters: int | None = None) -> Rendered:
    """The message; with `max_characters`, a longer one (or a long subject) is refused as it is written."""
    variables = {field.name: getattr(content, field.name) for field in fields(content)}
    variables["school_year_name"] = f"{content.school_year - 1}-{content.school_year % 100:02d}"
    long_body = f"the message is longer than {max_characters or 0:,} characters"
    long_subject = f"the subject is longer than {MAX_SUBJECT:,} characters"
    # Raw output may carry blank lines and trailing spaces that tidying removes: allow for them.
    raw_body = None if max_characters is None else 2 * max_characters + 10_000
    raw_subject = None if max_characters is None else 10 * MAX_SUBJECT
    context = template.new_context(variables)
    token = _steps.set(_Steps())
    try:
        # Running the top level performs its imports and sets and collects inherited blocks.
        _written(template.root_render_func(context), raw_body, long_body)
        if "body" not in context.blocks:
            raise TemplateRuntimeError("the template has no {% block body %}")
        body = _written(context.blocks["body"][0](context), raw_body, long_body)
        subject = None
        if channel != "sms" and "subject" in context.blocks:
            subject = _written(context.blocks["subject"][0](context), raw_subject, long_subject)
    except Exception:
        # As Template.render does: the traceback then points at the template's own lines.
        template.environment.handle_exception()
    finally:
        _steps.reset(token)
    rendered = Rendered(subject=_one_line(subject), body=_tidy(body))
    if max_characters is not None:
        if len(rendered.body) > max_characters:
            raise LimitExceeded(long_body)
        if rendered.subject and len(rendered.subject) > MAX_SUBJECT:
            raise LimitExceeded(long_subject)
    return rendered


def _written(pieces: Iterable[str], limit: int | None, too_long: str) -> str:
    """The pieces joined, stopping as soon as they pass `limit` characters."""
    text, size = [], 0
    for piece in pieces:
        size += len(piece)
        if limit is not None and size > limit:
            raise LimitExceeded(too_long)
        text.append(piece)
    return "".join(text)


def _one_line(text: str | None) -> str | None:
    words = (text or "").split()
    return " ".join(words) if words else None


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def describe(error: Exception, *, on_sample: bool = False) -> str:
    """What went wrong while rendering, with the district template's line where the traceback shows it."""
    line = template_line(error)
    where = f"line {line}: " if line else ""
    if isinstance(error, LimitExceeded):
        return f"{where}{error}"
    if isinstance(error, RecursionError):
        return f"{where}macros, blocks or includes call each other too deeply"
    if isinstance(error, TemplateNotFound):
        return f"{where}there is no packaged template {error.name!r}"
    return f"{where}{'rendering the sample failed: ' if on_sample else ''}{error}"


def template_line(error: BaseException) -> int | None:
    """The line of the district's template where rendering failed, when the traceback shows it."""
    frames = traceback.extract_tb(error.__traceback__)
    lines = [frame.lineno for frame in frames if frame.filename == "<template>"]
    return lines[-1] if lines else None
