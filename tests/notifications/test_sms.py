"""SMS through the local gateway over real HTTP, its signed callbacks, and families' replies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from notifications.channels import Rejected, Unavailable
from notifications.channels.sms import (
    SIGNATURE_HEADER,
    Inbound,
    Sms,
    SmsGateway,
    StatusReport,
    UnreadableCallback,
    is_opt_in,
    is_opt_out,
    mobile_number,
    parse_inbound,
    parse_status,
    signature,
    valid_signature,
)
from rollcall_dev.sms_gateway import SmsGatewayServer

from tests.support.outside import (
    SMS_TOKEN,
    CallbackReceiver,
    notifications_settings,
    running_sms_gateway,
)
from tests.support.process import free_port

GUARDIAN = "+12015550123"  # 555-0100..0199: numbers reserved for fiction


@pytest.fixture
def sms_gateway(tmp_path: Path) -> Iterator[SmsGatewayServer]:
    with running_sms_gateway(tmp_path / "sms") as gateway:
        yield gateway


@pytest.fixture
def callbacks() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as receiver:
        yield receiver


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _sms(to: str = GUARDIAN, key: str = "outreach-41:sms") -> Sms:
    return Sms(
        to=to,
        body="Rollcall: Ana faltó hoy a la escuela. Responda STOP para no recibir más.",
        idempotency_key=key,
    )


async def test_a_text_is_recorded_once_when_sent_twice_with_one_idempotency_key(
    sms_gateway: SmsGatewayServer, client: httpx.AsyncClient
) -> None:
    gateway = SmsGateway(notifications_settings(sms_gateway=sms_gateway), client)

    first = await gateway.send(_sms(), status_callback="http://127.0.0.1:9/unused")
    again = await gateway.send(_sms(), status_callback="http://127.0.0.1:9/unused")

    assert first == again
    (recorded,) = sms_gateway.messages()
    assert recorded["sid"] == first
    assert recorded["to"] == GUARDIAN
    assert recorded["body"] == _sms().body
    listed = (await client.get(f"{sms_gateway.base_url}/Messages")).json()["messages"]
    assert [message["sid"] for message in listed] == [first]
    lines = (sms_gateway.folder / "messages.jsonl").read_text().splitlines()
    assert len(lines) == 1


async def test_two_items_make_two_texts(
    sms_gateway: SmsGatewayServer, client: httpx.AsyncClient
) -> None:
    gateway = SmsGateway(notifications_settings(sms_gateway=sms_gateway), client)

    first = await gateway.send(_sms(key="outreach-1:sms"), status_callback="http://127.0.0.1:9/")
    second = await gateway.send(_sms(key="outreach-2:sms"), status_callback="http://127.0.0.1:9/")

    assert first != second
    assert len(sms_gateway.messages()) == 2


async def test_status_callbacks_arrive_signed_sent_then_delivered(
    sms_gateway: SmsGatewayServer, callbacks: CallbackReceiver, client: httpx.AsyncClient
) -> None:
    gateway = SmsGateway(notifications_settings(sms_gateway=sms_gateway), client)
    callback_url = f"{callbacks.url}/v1/sms/status?outreach=41"

    sid = await gateway.send(_sms(), status_callback=callback_url)

    sent, delivered = await callbacks.wait_for(2)
    for callback in (sent, delivered):
        assert callback.url == callback_url
        assert valid_signature(
            callback.url, callback.form, SMS_TOKEN, callback.headers[SIGNATURE_HEADER.lower()]
        )
    assert parse_status(sent.form) == StatusReport(provider_id=sid, status="sent", error=None)
    assert parse_status(delivered.form) == StatusReport(
        provider_id=sid, status="delivered", error=None
    )


async def test_a_number_ending_0000_is_reported_undelivered(
    sms_gateway: SmsGatewayServer, callbacks: CallbackReceiver, client: httpx.AsyncClient
) -> None:
    gateway = SmsGateway(notifications_settings(sms_gateway=sms_gateway), client)

    sid = await gateway.send(_sms(to="+12015550000"), status_callback=f"{callbacks.url}/status")

    _, final = await callbacks.wait_for(2)
    assert parse_status(final.form) == StatusReport(provider_id=sid, status="failed", error="30003")


async def test_an_invalid_number_is_rejected_without_naming_it(
    sms_gateway: SmsGatewayServer, client: httpx.AsyncClient
) -> None:
    gateway = SmsGateway(notifications_settings(sms_gateway=sms_gateway), client)

    with pytest.raises(Rejected) as refused:
        await gateway.send(_sms(to="+1555123"), status_callback="http://127.0.0.1:9/")

    assert "21211" in refused.value.reason
    assert "555123" not in str(refused.value)
    assert sms_gateway.messages() == []


async def test_a_wrong_token_is_unavailable_not_a_refused_number(
    sms_gateway: SmsGatewayServer, client: httpx.AsyncClient
) -> None:
    settings = notifications_settings(sms_gateway=sms_gateway, sms_token="not-the-token")

    with pytest.raises(Unavailable, match="401"):
        await SmsGateway(settings, client).send(_sms(), status_callback="http://127.0.0.1:9/")

    assert sms_gateway.messages() == []


async def test_a_provider_that_is_down_is_unavailable(client: httpx.AsyncClient) -> None:
    settings = notifications_settings(sms_base_url=f"http://127.0.0.1:{free_port()}/v1")

    with pytest.raises(Unavailable, match="cannot be reached"):
        await SmsGateway(settings, client).send(_sms(), status_callback="http://127.0.0.1:9/")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(201) 555-0123", "+12015550123"),
        ("201.555.0199", "+12015550199"),
        ("+52 55 1234 5678", "+525512345678"),
        ("555-0100", None),  # no area code
        ("+1555123", None),
        ("not a number", None),
        ("+34 912 345 678", None),  # a Spanish landline: no texts
    ],
)
def test_mobile_numbers_are_normalised_to_e164(raw: str, e164: str | None) -> None:
    assert mobile_number(raw) == e164


@pytest.mark.parametrize(
    ("provider_status", "status"),
    [("queued", "sent"), ("sending", "sent"), ("sent", "sent"), ("delivered", "delivered"),
     ("undelivered", "failed"), ("failed", "failed")],
)  # fmt: skip
def test_provider_statuses_map_to_sent_delivered_or_failed(
    provider_status: str, status: str
) -> None:
    report = parse_status({"MessageSid": "SM1", "MessageStatus": provider_status})
    assert report.provider_id == "SM1"
    assert report.status == status


def test_a_failed_status_carries_the_provider_error_code() -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "30006"}
    assert parse_status(form) == StatusReport(provider_id="SM1", status="failed", error="30006")


@pytest.mark.parametrize(
    "form", [{}, {"MessageSid": "SM1"}, {"MessageSid": "SM1", "MessageStatus": "lost"}]
)
def test_an_unreadable_status_callback_is_refused(form: dict[str, str]) -> None:
    with pytest.raises(UnreadableCallback):
        parse_status(form)


def test_an_inbound_reply_names_its_sender_and_our_number_in_e164() -> None:
    inbound = parse_inbound({"From": "+1 (201) 555-0123", "To": "(555) 010-0000", "Body": " Stop "})
    assert inbound == Inbound(from_number="+12015550123", to_number="+15550100000", body=" Stop ")


def test_an_inbound_reply_without_our_number_says_so() -> None:
    assert parse_inbound({"From": "+12015550123", "Body": "STOP"}).to_number is None


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop. ", "STOPALL", "stop all", "Unsubscribe", "cancel", "END", "quit",
     "revoke", "OPTOUT", "alto", "Parar!"],
)  # fmt: skip
def test_opt_out_keywords_are_recognised_whatever_their_case(body: str) -> None:
    assert is_opt_out(body)
    assert not is_opt_in(body)


@pytest.mark.parametrize(
    "body", ["please stop texting me", "stop it", "I can't end this", "", "STOPPED"]
)
def test_a_sentence_holding_a_keyword_is_not_an_opt_out(body: str) -> None:
    assert not is_opt_out(body)


@pytest.mark.parametrize("body", ["START", "unstop", " yes ", "Inicio"])
def test_opt_in_keywords_are_recognised(body: str) -> None:
    assert is_opt_in(body)
    assert not is_opt_out(body)


def test_twilios_published_signature_example_is_reproduced() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    form = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
            "From": "+14158675309", "To": "+18005551212"}  # fmt: skip
    assert signature(url, form, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_signature_round_trips_and_any_tampering_is_detected() -> None:
    url = "https://rollcall.example/v1/sms/status"
    form = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    signed = signature(url, form, "secret")

    assert valid_signature(url, form, "secret", signed)
    assert not valid_signature(url, {**form, "MessageStatus": "failed"}, "secret", signed)
    assert not valid_signature(url + "?x=1", form, "secret", signed)
    assert not valid_signature(url, form, "another-token", signed)
    assert not valid_signature(url, form, "secret", signed[:-2] + "A=")
    assert not valid_signature(url, form, "secret", "")
