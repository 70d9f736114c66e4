"""District templates are checked and rendered in worker processes, bounded in time and memory.

The sandbox's limits (`notifications.content.sandbox`) refuse what a template plainly asks for; only
the operating system bounds all of it. Each worker has an address-space limit (RLIMIT_AS), and a
render past its time limit has its worker killed and replaced (pebble's ProcessPool), so neither the
event loop nor the service's memory ever carries a district's template. Workers are forked from a
fork server that has these modules loaded (never from this threaded process), so a replacement is
ready in a moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
import signal
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateSyntaxError
from pebble import ProcessExpired, ProcessPool

from notifications.content.context import OutreachContent
from notifications.content.sandbox import Rendered, TemplateFailed, describe, environment, render

log = logging.getLogger(__name__)
T = TypeVar("T")
MB = 1024 * 1024
START_SECONDS = 60.0
"""How long the first worker may take to start with the service."""


class TemplateWorkers:
    """A pool of worker processes for district templates; open it with `async with`."""

    def __init__(self, *, workers: int, seconds: float, memory_mb: int) -> None:
        self.workers = workers
        self.seconds = seconds
        self.memory_mb = memory_mb
        self._pool = self._new_pool()
        self._renewing = asyncio.Lock()

    async def __aenter__(self) -> TemplateWorkers:
        await asyncio.to_thread(self._start)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._pool.stop()
        await asyncio.to_thread(self._pool.join)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker; a render past the time or memory limit raises `TemplateFailed`."""
        try:
            return await self._run(function, args)
        except BrokenProcessPool:  # a worker ended outside any render (killed from outside): once more, anew
            await self._renew()
            return await self._run(function, args)

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        if not self._pool.active:
            await self._renew()
        try:
            future = self._pool.schedule(function, args=args, timeout=self.seconds)
        except RuntimeError as inactive:  # it broke since it was looked at
            raise BrokenProcessPool(str(inactive)) from inactive
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError:
            raise TemplateFailed(f"the template took longer than {self.seconds:g} s") from None
        except MemoryError:
            raise TemplateFailed(f"the template needed more than {self.memory_mb:,} MB of memory") from None
        except ProcessExpired as ended:
            raise TemplateFailed(
                f"the template ended the process rendering it (exit code {ended.exitcode}; out of memory?)"
            ) from None

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self.workers, initializer=_bound_worker, initargs=(self.memory_mb * MB,),
            context=_start_method(),
        )  # fmt: skip

    def _start(self) -> None:
        """Starts the pool's processes (the first task does, and that blocks: run it in a thread)."""
        self._pool.schedule(_ready).result(timeout=START_SECONDS)

    async def _renew(self) -> None:
        """A broken pool takes no more tasks (pebble's rule); the service goes on with a new one."""
        async with self._renewing:
            if self._pool.active:
                return
            log.warning("the template workers stopped outside a render; starting new ones")
            broken, self._pool = self._pool, self._new_pool()
            broken.stop()
            await asyncio.to_thread(broken.join)
            await asyncio.to_thread(self._start)


def _start_method() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _bound_worker(memory_bytes: int) -> None:
    """In each worker as it starts: its address-space limit, and no delay when it is told to stop."""
    # Python runs a signal handler only between bytecodes; a worker stuck in one long C call must still end.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    # When a pod runs short of memory, the kernel ends a worker before the service (Linux; elsewhere nothing).
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")


def _ready() -> bool:
    environment()
    return True


# What runs in a worker: compiling is done there too, since Jinja folds constant expressions as it compiles.


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    try:
        return environment().from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateFailed(f"line {error.lineno}: {error.message}") from None
    except RecursionError:
        raise TemplateFailed("the template is nested too deeply") from None


def render_source(source: str, content: OutreachContent, channel: str, max_characters: int) -> Rendered:
    """A district's template rendered for one message."""
    template = _compiled(source)
    try:
        return render(template, content, channel, max_characters)
    except MemoryError:
        raise
    except Exception as error:
        raise TemplateFailed(describe(error)) from None


def check_source(
    source: str, channel: str | None, sample: OutreachContent | None, max_characters: int
) -> list[str]:
    """What is wrong with a district's template (see `Templates.check`)."""
    try:
        template = _compiled(source)
    except TemplateFailed as failure:
        return [str(failure)]
    tree = environment().parse(source)
    blocks = {block.name for block in tree.find_all(nodes.Block)}
    inherits = tree.find(nodes.Extends) is not None
    errors = []
    if "body" not in blocks and not inherits:
        errors.append("the message must be inside {% block body %}...{% endblock %}")
    if channel in ("letter", "email") and "subject" not in blocks and not inherits:
        errors.append(f"the {channel} needs a subject: {{% block subject %}}...{{% endblock %}}")
    if errors or sample is None:
        return errors
    try:
        render(template, sample, channel or "letter", max_characters)
    except MemoryError:
        raise
    except Exception as error:  # any failure on sample data is the template's to fix
        return [describe(error, on_sample=True)]
    return []
