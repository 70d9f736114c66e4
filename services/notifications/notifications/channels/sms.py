"""Text messages to families through an SMS provider's REST API, and the provider's callbacks.

The shape is Twilio's Messages API, the one most providers copy or offer beside their own:
a form POST of `To`, `From`, `Body` and `StatusCallback` to `{sms_base_url}/Messages` with
HTTP Basic auth (`sms_account`, `sms_token`), answered with JSON carrying `sid` and `status`.
The provider then POSTs status and inbound callbacks as forms signed in `X-Twilio-Signature`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx
import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from notifications.channels.errors import Rejected, Unavailable

if TYPE_CHECKING:
    from notifications.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    | {"ALTO", "PARAR"}  # the Spanish replies US carriers and SMS providers honour
)
"""Replies that end texts to a number: the CTIA / Twilio defaults (2025) and Spanish ones."""
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES", "INICIO"})

_TEXTABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_RETRY_LATER = {
    401,
    403,
    408,
    409,
    425,
    429,
}  # our credentials or the provider's pace, not the number
_STATUSES: dict[str, Literal["sent", "delivered", "failed"]] = {
    **dict.fromkeys(("accepted", "scheduled", "queued", "sending", "sent"), "sent"),
    **dict.fromkeys(("delivered", "read"), "delivered"),
    **dict.fromkeys(("undelivered", "failed", "canceled"), "failed"),
}


@dataclass(frozen=True)
class Sms:
    to: str
    """E.164, as `mobile_number` gives it."""
    body: str
    idempotency_key: str
    """The same for every attempt at one item, so a retry never makes a second message."""


@dataclass(frozen=True)
class StatusReport:
    provider_id: str
    status: Literal["sent", "delivered", "failed"]
    error: str | None
    """The provider's error code (e.g. `30003`), or its status when it gave none."""


@dataclass(frozen=True)
class Inbound:
    from_number: str
    """E.164."""
    to_number: str | None
    """Our number the family wrote to, as `sending_number` gives it; None when the form does not say."""
    body: str


class UnreadableCallback(ValueError):
    """A callback form without the fields the provider always sends."""


class SmsGateway:
    """Sends texts through the provider at `settings.sms_base_url`."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    async def send(self, sms: Sms, *, status_callback: str) -> str:
        """The provider's id for the new message; raises `Rejected` or `Unavailable`."""
        settings = self._settings
        try:
            answer = await self._client.post(
                f"{settings.sms_base_url.rstrip('/')}/Messages",
                data={
                    "To": sms.to,
                    "From": settings.sms_from,
                    "Body": sms.body,
                    "StatusCallback": status_callback,
                },
                auth=(settings.sms_account, settings.sms_token.get_secret_value()),
                headers={IDEMPOTENCY_HEADER: sms.idempotency_key, "Accept": "application/json"},
                timeout=settings.sms_timeout_seconds,
            )
        except httpx.TimeoutException as error:
            raise Unavailable("the SMS provider did not answer in time") from error
        except httpx.HTTPError as error:  # names the URL only: the number is in the body
            raise Unavailable(
                f"the SMS provider cannot be reached ({type(error).__name__})"
            ) from error
        if answer.status_code in _RETRY_LATER or answer.status_code >= 500:
            raise Unavailable(f"the SMS provider answered {_described(answer)}")
        if answer.status_code >= 400:
            raise Rejected(f"the SMS provider refused the message: {_described(answer)}")
        try:
            return str(answer.json()["sid"])
        except (ValueError, KeyError, TypeError):
            raise Unavailable(
                f"the SMS provider's answer {answer.status_code} has no sid"
            ) from None


def _described(answer: httpx.Response) -> str:
    """`400 (code 21211)`: never the provider's text, which names the number."""
    try:
        code = answer.json().get("code")
    except (ValueError, AttributeError):
        code = None
    return f"{answer.status_code} (code {code})" if code else str(answer.status_code)


def mobile_number(raw: str, region: str = "US") -> str | None:
    """`raw` in E.164 when it is a valid number a text can reach, else None."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _TEXTABLE
    ):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def parse_status(form: Mapping[str, str]) -> StatusReport:
    """A status callback's form as sent, delivered or failed."""
    provider_id = form.get("MessageSid") or form.get("SmsSid")
    provider_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not provider_id or provider_status not in _STATUSES:
        raise UnreadableCallback("a status callback needs MessageSid and a known MessageStatus")
    status = _STATUSES[provider_status]
    error = form.get("ErrorCode") or (provider_status if status == "failed" else None)
    return StatusReport(provider_id=provider_id, status=status, error=error)


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    """An inbound message's form: who wrote (E.164) and what."""
    try:
        number = phonenumbers.parse(form.get("From") or "", "US")
    except phonenumbers.NumberParseException:
        raise UnreadableCallback("an inbound message needs a From phone number") from None
    return Inbound(
        from_number=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        to_number=sending_number(form["To"]) if form.get("To") else None,
        body=form.get("Body") or "",
    )


def sending_number(raw: str) -> str:
    """One of our numbers as opt-outs are kept under it: E.164, or as written when it is no phone number."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, "US"), PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return raw.strip()


def is_opt_out(body: str) -> bool:
    """The whole reply is an opt-out keyword (`stop`, ` Stop. `, `ALTO`), not a sentence."""
    return _keyword(body) in OPT_OUT_KEYWORDS


def is_opt_in(body: str) -> bool:
    return _keyword(body) in OPT_IN_KEYWORDS


def _keyword(body: str) -> str:
    return " ".join(re.sub(r"^[\W_]+|[\W_]+$", "", body).split()).upper()


def signature(url: str, form: Mapping[str, str], token: str) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of URL and sorted form, keyed by the token."""
    return base64.b64encode(_digest(url, form, token)).decode()


def valid_signature(url: str, form: Mapping[str, str], token: str, signature: str) -> bool:
    """`url` must be the one the provider called (this service's public URL, query included)."""
    expected = base64.b64encode(_digest(url, form, token))
    return hmac.compare_digest(expected, signature.strip().encode())


def _digest(url: str, form: Mapping[str, str], token: str) -> bytes:
    signed = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    return hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
