"""The service shell: lifespan-owned database, producer, outbox relay and subscribers, health probes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared.broker import broker_answers, ensure_topics_async, make_broker, make_producer
from rollcall_shared.db import Database
from rollcall_shared.outbox import OutboxMixin, OutboxRelay
from rollcall_shared.problems import install_problem_handlers, problem_response
from rollcall_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a running service holds; made in the lifespan, closed there."""

    settings: ServiceSettings
    database: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay
    broker: KafkaBroker | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    """A service's own long-lived objects (clients, senders), made by its `resources`."""


Subscribe = Callable[[KafkaBroker, Runtime], None]
Resources = Callable[[Runtime], contextlib.AbstractAsyncContextManager[None]]
"""Opens a service's own clients into `rt.services` (and background tasks into `rt.tasks`); closes them on exit."""


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the endpoint returns, then the relay is woken."""
    rt: Runtime = request.app.state.runtime
    async with rt.database.sessions() as db_session:
        async with db_session.begin():
            yield db_session
        rt.relay.wake()


# "function" scope commits before the response is sent, so a 2xx means the work is durable.
Session = Annotated[AsyncSession, Depends(session, scope="function")]


def create_service_app(
    *,
    title: str,
    settings: ServiceSettings,
    outbox_model: type[OutboxMixin],
    routers: Sequence[APIRouter] = (),
    subscribe: Subscribe | None = None,
    resources: Resources | None = None,
    version: str = "1.0.0",
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.database_url)
        await ensure_topics_async(settings.kafka_bootstrap_servers, settings.topic_partitions)
        producer = make_producer(settings.kafka_bootstrap_servers)
        await producer.start()
        relay = OutboxRelay(
            database=database,
            model=outbox_model,
            producer=producer,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
        )
        rt = Runtime(settings=settings, database=database, producer=producer, relay=relay)
        rt.tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        try:
            async with contextlib.AsyncExitStack() as own:
                if resources is not None:
                    await own.enter_async_context(resources(rt))
                if subscribe is not None:
                    rt.broker = make_broker(settings.kafka_bootstrap_servers)
                    subscribe(rt.broker, rt)
                    await rt.broker.start()
                app.state.runtime = rt
                try:
                    yield
                finally:
                    if rt.broker is not None:
                        await rt.broker.stop()
                    for task in rt.tasks:
                        task.cancel()
                    await asyncio.gather(*rt.tasks, return_exceptions=True)
        finally:
            await producer.stop()
            await database.dispose()

    app = FastAPI(title=title, version=version, lifespan=lifespan)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The database and the broker answer")
    async def readyz(request: Request) -> JSONResponse:
        rt: Runtime = request.app.state.runtime
        checks = {"database": "ok", "broker": "ok"}
        try:
            await asyncio.wait_for(rt.database.ping(), 3)
        except Exception:
            checks["database"] = "unavailable"
        if not await broker_answers(rt.producer):
            checks["broker"] = "unavailable"
        if any(value != "ok" for value in checks.values()):
            return problem_response(503, "Not ready", "a dependency does not answer", checks=checks)
        return JSONResponse({"status": "ready", "checks": checks})

    for router in routers:
        app.include_router(router)
    return app
