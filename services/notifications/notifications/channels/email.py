"""Email to families over SMTP: one plain-text UTF-8 message per call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import aiosmtplib
from email_validator import EmailNotValidError, validate_email

from notifications.channels.errors import ChannelError, InDoubt, Rejected, Unavailable
from notifications.settings import Settings

_ENHANCED_STATUS = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    message_id: str
    """The same for every attempt at one item, so a mail client shows a resent message once."""
    language: str
    """BCP 47 tag of the subject and body, e.g. `es`."""


def valid_address(raw: str) -> str | None:
    """`raw` normalised when it is one email address and nothing else (no name, no line break), else None."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:  # its message quotes the address: never pass it on
        return None


class EmailSender:
    """Hands each email to the district's SMTP server (settings `smtp_*` and `email_from`)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, email: Email) -> None:
        """Deliver to the SMTP server; raises `Rejected` (5xx), `Unavailable` (down, 4xx) or `InDoubt` (unconfirmed)."""
        settings = self._settings
        if valid_address(email.to) is None:  # a line break would add headers of the sender's choosing
            raise Rejected("the email address is not a valid address")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            async with _Client(
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                start_tls=settings.smtp_starttls,
                username=settings.smtp_username,
                password=password,
                timeout=settings.smtp_timeout_seconds,
            ) as client:
                await client.send_message(_message(email, sender=settings.email_from))
        except _Unconfirmed:
            raise InDoubt("the mail server was handed the message but did not confirm it in time") from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # `from None`: aiosmtplib's errors name the recipient, and tracebacks reach logs
            raise _refusal(error) from None


class _Unconfirmed(Exception):
    """The connection timed out or dropped once the message was on its way (DATA): the server may keep it."""


class _Client(aiosmtplib.SMTP):
    async def data(self, message: str | bytes, /, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        try:
            return await super().data(message, **kwargs)
        except (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected):
            raise _Unconfirmed from None


def _message(email: Email, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{email.message_id.strip().strip('<>')}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay quiet
    # quoted-printable: readable in the raw source and safe on servers without 8BITMIME
    message.set_content(email.body, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = email.language  # after set_content, which drops Content-*
    return message


def _refusal(error: Exception) -> ChannelError:
    """The error as Rejected or Unavailable, with SMTP codes only (server texts echo addresses)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refusals = error.recipients
        code = refusals[0].code if refusals else 550
        status = _status(code, refusals[0].message if refusals else "")
        return _by_code(code, f"recipient refused ({status})")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return Unavailable(f"the mail server refused our credentials ({error.code})")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        what = type(error).__name__.removeprefix("SMTP")
        return _by_code(error.code, f"{what} ({_status(error.code, error.message)})")
    if isinstance(error, TimeoutError):
        return Unavailable("the mail server did not answer in time")
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return Unavailable("the mail server does not offer what the settings ask (STARTTLS, AUTH)")
    return Unavailable(f"the mail server cannot be reached ({type(error).__name__})")


def _by_code(code: int, reason: str) -> ChannelError:
    return Rejected(reason) if 500 <= code < 600 else Unavailable(reason)


def _status(code: int, text: str) -> str:
    """`550 5.1.1`: the reply code and its enhanced status code (RFC 3463) when given."""
    enhanced = _ENHANCED_STATUS.match(text or "")
    return f"{code} {enhanced[1]}" if enhanced else str(code)
