"""Email through a real SMTP server: the local mailbox `make run` starts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from notifications.channels import Rejected, Unavailable
from notifications.channels.email import Email, EmailSender, valid_address
from rollcall_dev.mailbox import Mailbox

from tests.support.outside import notifications_settings, running_mailbox
from tests.support.process import free_port

SPANISH_BODY = (
    "Estimada familia de María José Núñez:\n\n"
    "Su hijo faltó a la escuela sin justificación tres días este mes. "
    "¿Podemos hablar? Llame a la oficina de asistencia.\n"
)


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    with running_mailbox(tmp_path / "mail") as mailbox:
        yield mailbox


def _email(to: str = "guardian@families.example", **changes: str) -> Email:
    values = {
        "to": to,
        "subject": "Asistencia de María José: tres días",
        "body": SPANISH_BODY,
        "message_id": "<outreach-7f3a@rollcall.example>",
        "language": "es",
    }
    return Email(**{**values, **changes})


async def test_an_email_arrives_with_its_headers_and_spanish_body_intact(mailbox: Mailbox) -> None:
    settings = notifications_settings(mailbox=mailbox, email_from="asistencia@district.example")

    await EmailSender(settings).send(_email())

    (received,) = mailbox.messages()
    assert received["From"] == "asistencia@district.example"
    assert received["To"] == "guardian@families.example"
    assert received["Subject"] == "Asistencia de María José: tres días"
    assert received["Message-ID"] == "<outreach-7f3a@rollcall.example>"
    assert received["Content-Language"] == "es"
    assert received["Date"] is not None
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content() == SPANISH_BODY


async def test_a_message_id_given_without_angle_brackets_is_kept(mailbox: Mailbox) -> None:
    await EmailSender(notifications_settings(mailbox=mailbox)).send(
        _email(message_id="outreach-91@rollcall.example")
    )

    (received,) = mailbox.messages()
    assert received["Message-ID"] == "<outreach-91@rollcall.example>"


async def test_a_refused_recipient_is_rejected_without_naming_the_address(mailbox: Mailbox) -> None:
    sender = EmailSender(notifications_settings(mailbox=mailbox))

    with pytest.raises(Rejected) as refused:
        await sender.send(_email(to="bounce-lopez@families.example"))

    assert "550" in refused.value.reason
    assert "lopez" not in str(refused.value)
    assert mailbox.messages() == []


async def test_a_mail_server_that_is_down_is_unavailable() -> None:
    settings = notifications_settings(smtp_host="127.0.0.1", smtp_port=free_port())

    with pytest.raises(Unavailable, match="cannot be reached"):
        await EmailSender(settings).send(_email())


async def test_a_mail_server_that_never_greets_is_unavailable() -> None:
    with socket.socket() as silent:  # the kernel accepts the connection; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = notifications_settings(
            smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1], smtp_timeout_seconds=0.5
        )

        with pytest.raises(Unavailable, match="in time"):
            await EmailSender(settings).send(_email())


@pytest.mark.parametrize(
    "address",
    ["guardian@families.example\r\nBcc: everyone@elsewhere.example", "a@families.example, b@families.example",
     "Ana Reyes <ana@families.example>", "ana.families.example", ""],
)  # fmt: skip
async def test_an_address_that_is_not_one_address_is_refused_before_any_mail_server_is_asked(
    mailbox: Mailbox, address: str
) -> None:
    with pytest.raises(Rejected) as refused:
        await EmailSender(notifications_settings(mailbox=mailbox)).send(_email(to=address))

    assert valid_address(address) is None
    assert "families" not in str(refused.value)
    assert mailbox.messages() == []


def test_a_plain_or_international_address_is_valid() -> None:
    assert valid_address("ana.reyes@families.example") == "ana.reyes@families.example"
    assert valid_address("josé@exámple.org") == "josé@exámple.org"
