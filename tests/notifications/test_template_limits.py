"""A district's template is bounded: each limit refuses it by name, and its worker holds time and memory."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import time
from collections.abc import AsyncIterator

import pytest
from notifications.content import TemplateFailed, Templates, sample_content
from notifications.content.workers import TemplateWorkers

MAX_CHARACTERS = {"letter": 40_000, "email": 20_000, "sms": 1_600}
SECONDS = 1.0
MEMORY_MB = 256


def body(text: str) -> str:
    return "{% block body %}" + text + "{% endblock %}"


# (source, what the refusal says); every one is an SMS template, checked on the sample household.
HOSTILE = {
    "repeated text": (body("{{ 'x' * 10**10 }}"), "line 1: repeating text or a list with * is limited to results of 10,000 characters or items"),
    "repeated list": (body("{{ ([1] * 100000)|length }}"), "line 1: repeating text or a list with * is limited to results of 10,000 characters or items"),
    "power": (body("{{ 9**(9**9) }}"), "line 1: the power operator is limited to results of 1,000 digits"),
    "product": (body("{% set n = 10**999 %}{{ n * n * n }}"), "line 1: numbers are limited to 1,000 digits"),
    "range": (body("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"), "line 1: range() is limited to 1,000 numbers"),
    "nested loops": (body("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"), "line 1: loops are limited to 10,000 steps in all"),
    "doubled namespace": (
        body("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"),
        f"the template needed more than {MEMORY_MB} MB of memory on the sample",
    ),
    "huge join": (body("{{ range(1000)|map('string')|join(' '.center(10**8)) }}"), f"the template needed more than {MEMORY_MB} MB of memory on the sample"),
    "huge format": (body("{{ '{:>999999999}'.format(1) }}"), f"the template needed more than {MEMORY_MB} MB of memory on the sample"),
    "huge printf": (body("{{ '%999999999d' % 1 }}"), f"the template needed more than {MEMORY_MB} MB of memory on the sample"),
    "long join": (body("{{ range(1000)|join('x' * 9000) }}"), "the message is longer than 1,600 characters"),
    "long text": (body("{{ 'x'.center(10**5) }}"), "the message is longer than 1,600 characters"),
    "slow": (body("{% for i in range(1000) %}{{ ' '.center(10**6)|wordcount }}{% endfor %}"), f"the template took longer than {SECONDS:g} s on the sample"),
    "recursive macro": (
        "{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}" + body("{{ again(0) }}"),
        "line 1: macros, blocks or includes call each other too deeply",
    ),
    "recursive loop": (body("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"), "line 1: macros, blocks or includes call each other too deeply"),
    "deep nesting": (body("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}"), "the template is nested too deeply"),
    "extends twice": (
        "{% extends 'en/chronic.sms.j2' %}{% extends 'en/chronic-risk.sms.j2' %}",
        "line 1: rendering the sample failed: extended multiple times",
    ),
    "extends outside": ("{% extends '../templates.py' %}", "line 1: there is no packaged template '../templates.py'"),
    "attribute walk": (
        body("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "line 1: rendering the sample failed: access to attribute '__class__' of 'str' object is unsafe.",
    ),
    "globals walk": (
        body("{{ recipient.__init__.__globals__ }}"),
        "line 1: rendering the sample failed: access to attribute '__init__' of 'Recipient' object is unsafe.",
    ),
}  # fmt: skip
GROWING = {"doubled namespace"}
"""Reaches the memory limit by steps: on a busy machine the time limit may come first."""
TOO_SLOW = f"the template took longer than {SECONDS:g} s on the sample"


@pytest.fixture(scope="module")
async def workers() -> AsyncIterator[TemplateWorkers]:
    async with TemplateWorkers(workers=2, seconds=SECONDS, memory_mb=MEMORY_MB) as workers:
        yield workers


@pytest.fixture(scope="module")
def templates(workers: TemplateWorkers) -> Templates:
    return Templates(workers, max_characters=MAX_CHARACTERS)


@pytest.fixture(scope="module")
async def unhurried() -> AsyncIterator[Templates]:
    """Templates with all the time they need, so what stops a growing one is the memory limit."""
    async with TemplateWorkers(workers=1, seconds=30, memory_mb=MEMORY_MB) as workers:
        yield Templates(workers, max_characters=MAX_CHARACTERS)


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_template_past_a_limit_is_refused_naming_the_limit(templates: Templates, unhurried: Templates, case: str):
    source, refusal = HOSTILE[case]
    started = time.monotonic()

    errors = await (unhurried if case in GROWING else templates).check(
        source, channel="sms", sample=sample_content("chronic", "en")
    )

    assert errors == [refusal]
    assert case in GROWING or time.monotonic() - started < 2 * SECONDS + 1


@pytest.mark.parametrize("case", ["repeated text", "power", "nested loops", "huge format", "long text", "slow"])
async def test_at_send_time_the_same_limit_raises_saying_which(templates: Templates, case: str):
    source, refusal = HOSTILE[case]

    with pytest.raises(TemplateFailed) as failure:
        await templates.render(content=sample_content("chronic", "en"), channel="sms", source=source)

    assert str(failure.value) == refusal.removesuffix(" on the sample")


async def test_each_channel_has_its_own_longest_message(templates: Templates):
    letter = body("{{ 'Dear family. ' * 700 }}")  # 9,800 characters
    subject = "{% block subject %}{{ 'Attendance ' * 30 }}{% endblock %}" + body("Hi")
    sample = sample_content("chronic", "en")

    assert await templates.check(letter, channel="letter", sample=sample) == [
        "the letter needs a subject: {% block subject %}...{% endblock %}"
    ]
    assert await templates.check("{% block subject %}S{% endblock %}" + letter, channel="letter", sample=sample) == []
    assert await templates.check(letter, channel="sms", sample=sample) == ["the message is longer than 1,600 characters"]
    assert await templates.check(subject, channel="email", sample=sample) == ["the subject is longer than 300 characters"]


async def test_a_worker_runs_under_the_memory_limit(workers: TemplateWorkers):
    soft, _ = await workers.run(resource.getrlimit, resource.RLIMIT_AS)

    assert soft == MEMORY_MB * 1024 * 1024


async def test_workers_killed_for_time_or_memory_are_replaced_and_render_again(templates: Templates):
    content = sample_content("truancy-1", "en")
    source = templates.default_source("truancy-1", "sms", "en")
    slow, memory = HOSTILE["slow"][0], HOSTILE["huge format"][0]

    failures = await asyncio.gather(
        *(templates.render(content=content, channel="sms", source=s) for s in (slow, slow, memory)),
        return_exceptions=True,
    )
    rendered = await templates.render(content=content, channel="sms", source=source)

    assert all(isinstance(failure, TemplateFailed) for failure in failures)
    assert rendered == await templates.render(content=content, channel="sms")


async def test_a_worker_killed_from_outside_while_idle_is_replaced_and_templates_render_on(
    workers: TemplateWorkers, templates: Templates
):
    content = sample_content("chronic", "es")
    source = templates.default_source("chronic", "email", "es")
    os.kill(await workers.run(os.getpid), signal.SIGKILL)  # as the kernel's OOM killer would

    rendered = [await templates.render(content=content, channel="email", source=source) for _ in range(6)]

    assert rendered == [await templates.render(content=content, channel="email")] * 6


async def test_many_messages_render_through_the_workers_fast_enough_for_the_sender(templates: Templates):
    source = templates.default_source("truancy-1", "letter", "es")
    messages = [sample_content("truancy-1", "es")] * 400
    await templates.render(content=messages[0], channel="letter", source=source)  # compiled in a worker
    started = time.monotonic()

    rendered = await asyncio.gather(
        *(templates.render(content=content, channel="letter", source=source) for content in messages)
    )
    per_second = len(messages) / (time.monotonic() - started)

    assert len({letter.body for letter in rendered}) == 1
    assert per_second > 50, f"{per_second:.0f} letters/s through the workers"
