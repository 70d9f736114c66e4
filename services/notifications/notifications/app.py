"""The notifications service's ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from rollcall_shared.auth import DistrictTokens, Scope
from rollcall_shared.encryption import use_key_ring
from rollcall_shared.service import Runtime, create_service_app

from notifications import consumers
from notifications.base import InboxMessage, OutboxMessage, ParkedMessage
from notifications.channels.email import EmailSender
from notifications.channels.sms import SmsGateway
from notifications.content.templates import Templates
from notifications.content.workers import TemplateWorkers
from notifications.endpoints import routers
from notifications.outreach.callbacks import CALLBACK_BODY_BYTES, CALLBACKS
from notifications.outreach.dispatch import Dispatcher
from notifications.outreach.service import Planner
from notifications.roster.client import RosterClient
from notifications.settings import Settings


@contextlib.asynccontextmanager
async def resources(rt: Runtime) -> AsyncIterator[None]:
    """The contact key ring; clients of ingest and the providers, the template workers, the planner and the sender."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    use_key_ring(rt.database.engine, settings.contact_key_ring())  # before anything reads a guardian
    workers = TemplateWorkers(
        workers=settings.template_workers, seconds=settings.template_seconds, memory_mb=settings.template_memory_mb
    )
    async with httpx.AsyncClient(timeout=settings.sms_timeout_seconds) as client, workers:
        templates = Templates(workers, max_characters=settings.max_characters())
        rt.services.update(
            templates=templates,
            roster=RosterClient(
                base_url=settings.ingest_url,
                client=client,
                auth=DistrictTokens(settings.own_keys(), issuer="notifications", subject="notifications",
                                    scopes=[Scope.ROSTER_READ], audience=["ingest"]),  # fmt: skip
            ),
            planner=Planner(default_time_zone=settings.time_zone, sms_from=settings.sms_from,
                            hold=timedelta(seconds=settings.hold_seconds)),  # fmt: skip
        )
        dispatcher = Dispatcher(
            database=rt.database,
            relay=rt.relay,
            settings=settings,
            templates=templates,
            email=EmailSender(settings),
            sms=SmsGateway(settings, client),
        )
        rt.services["dispatcher"] = dispatcher
        rt.tasks.append(asyncio.create_task(dispatcher.run(), name="dispatcher"))
        yield


def subscribe(broker: KafkaBroker, rt: Runtime) -> None:
    consumers.subscribe(broker, rt, roster=rt.services["roster"], planner=rt.services["planner"])


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        title="Rollcall notifications",
        settings=settings or Settings(),
        outbox_model=OutboxMessage,
        parked_model=ParkedMessage,
        inbox_model=InboxMessage,
        routers=routers,
        subscribe=subscribe,
        resources=resources,
        body_limits=dict.fromkeys(CALLBACKS, CALLBACK_BODY_BYTES),
        signed_callbacks=CALLBACKS,
    )
