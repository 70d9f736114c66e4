"""The service shell: lifespan-owned database, producer, outbox relay and subscribers; probes, metrics, AsyncAPI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from rollcall_shared import asyncapi
from rollcall_shared.broker import broker_answers, ensure_topics_async, make_broker, make_producer
from rollcall_shared.clock import Clock
from rollcall_shared.db import Database
from rollcall_shared.gate import Gate
from rollcall_shared.inbox import InboxMixin, prune_every
from rollcall_shared.logs import CORRELATION_HEADER, configure_logging, correlated, new_correlation_id
from rollcall_shared.metrics import HTTP_REQUESTS, Sample, lag_sample, outbox_sample, parked_sample, sample_every
from rollcall_shared.outbox import OutboxMixin, OutboxRelay
from rollcall_shared.parked import ParkedMixin, parked_count
from rollcall_shared.problems import install_problem_handlers, problem_response
from rollcall_shared.production import refuse_unsafe
from rollcall_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

QUIET_ROUTES = ("/healthz", "/readyz", "/metrics")
"""Probed every few seconds: not worth a log line each."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods named in logs and metric labels as they are; any other is `other`, so callers cannot mint series."""
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
"""A caller's correlation id is kept only in this shape; any other gets a new one (it reaches logs and headers)."""


@dataclass
class Runtime:
    """What a running service holds; made in the lifespan, closed there."""

    settings: ServiceSettings
    clock: Clock
    database: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay
    broker: KafkaBroker | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    """A service's own long-lived objects (clients, senders), made by its `resources`."""
    samples: list[Sample] = field(default_factory=list)
    """What refreshes the service's gauges; a service's `resources` may add its own."""


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
    parked_model: type[ParkedMixin],
    inbox_model: type[InboxMixin] | None = None,
    routers: Sequence[APIRouter] = (),
    subscribe: Subscribe | None = None,
    resources: Resources | None = None,
    body_limits: Mapping[str, int] | None = None,
    signed_callbacks: Sequence[str] = (),
    version: str = "1.0.0",
) -> FastAPI:
    """`body_limits`: route path template -> the largest body it takes, where it is not `settings.max_request_bytes`;
    `signed_callbacks`: the routes under `/v1/` a provider calls, which check its signature instead of a token."""
    service = settings.service
    refuse_unsafe(settings)
    if settings.log_json:
        configure_logging(service)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.environment == "development":
            log.warning("development run: the embedded development keys are accepted (never with real families)")
        database = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            statement_timeout=settings.database_statement_timeout_seconds,
            idle_in_transaction_timeout=settings.database_idle_in_transaction_timeout_seconds,
        )
        await ensure_topics_async(settings.kafka_bootstrap_servers, settings.topic_partitions)
        producer = make_producer(settings.kafka_bootstrap_servers, settings.kafka_max_message_bytes)
        await producer.start()
        relay = OutboxRelay(
            database=database,
            model=outbox_model,
            parked=parked_model,
            producer=producer,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            service=service,
        )
        rt = Runtime(settings=settings, clock=app.state.clock, database=database, producer=producer, relay=relay)
        rt.samples.append(outbox_sample(service, relay.backlog))
        rt.samples.append(parked_sample(service, lambda: parked_count(database, parked_model)))
        rt.tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        if inbox_model is not None:
            retention = timedelta(days=settings.inbox_retention_days)
            pruning = prune_every(settings.inbox_prune_seconds, database, inbox_model, retention=retention,
                                  service=service)  # fmt: skip
            rt.tasks.append(asyncio.create_task(pruning, name="inbox-pruning"))
        try:
            async with contextlib.AsyncExitStack() as own:
                key_client = await own.enter_async_context(httpx.AsyncClient(timeout=5))
                for issuer in app.state.verifier.issuers.values():
                    issuer.client = key_client  # fetches the token keys of issuers named by URL
                if resources is not None:
                    await own.enter_async_context(resources(rt))
                if subscribe is not None:
                    rt.broker = make_broker(settings.kafka_bootstrap_servers)
                    subscribe(rt.broker, rt)
                    await rt.broker.start()
                    groups = [(sub.group_id, topic) for sub in rt.broker.subscribers for topic in sub.topic_names]
                    rt.samples.append(lag_sample(settings.kafka_bootstrap_servers, groups))
                rt.tasks.append(asyncio.create_task(sample_every(settings.metrics_seconds, rt.samples), name="metrics"))
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
    app.state.clock = Clock(ZoneInfo(settings.time_zone))
    app.state.signing_keys = settings.own_keys()
    app.state.verifier = settings.verifier()
    install_problem_handlers(app)
    app.add_middleware(Gate, verifier=app.state.verifier, default_limit=settings.max_request_bytes,
                       limits=body_limits or {}, exempt=signed_callbacks)  # fmt: skip

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Any]) -> Response:
        """Time the request by route, and carry its correlation id (the caller's or a new one) through its work."""
        started, status = time.perf_counter(), 500
        given = request.headers.get(CORRELATION_HEADER, "")
        with correlated(given if CORRELATION_ID.fullmatch(given) else new_correlation_id()) as value:
            try:
                response = await call_next(request)
                status = response.status_code
                response.headers[CORRELATION_HEADER] = value
                return response
            finally:
                # the route's template, never its path: paths carry district and student ids
                route = getattr(request.scope.get("route"), "path", "unmatched")
                method = request.method if request.method in METHODS else "other"
                seconds = time.perf_counter() - started
                HTTP_REQUESTS.labels(service=service, method=method, route=route, status=str(status)).observe(seconds)
                if route not in QUIET_ROUTES:
                    log.info("%s %s %d %.3fs", method, route, status, seconds)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI document of the topics it sends and receives")
    async def asyncapi_document() -> dict[str, Any]:
        return asyncapi.document(service)

    @app.get("/.well-known/jwks.json", tags=["operations"], summary="The public keys of the tokens this service signs")
    async def jwks() -> JSONResponse:
        keys = app.state.signing_keys
        return JSONResponse(keys.jwks() if keys else {"keys": []}, headers={"Cache-Control": "max-age=300"})

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
