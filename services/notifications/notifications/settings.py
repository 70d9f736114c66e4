"""Notifications settings, read from `NOTIFICATIONS_*` environment variables."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from rollcall_shared.encryption import BlindIndexSettings
from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings, BlindIndexSettings):
    """`NOTIFICATIONS_CONTACT_KEYS` and `NOTIFICATIONS_CONTACT_INDEX_KEY` protect contact details at rest."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service = "notifications"
    signs_tokens = True

    database_url: str = "sqlite:///var/notifications.db"
    port: int = 8003
    consumer_group: str = "notifications"

    ingest_url: str = "http://127.0.0.1:8001"
    """Where the roster documents are read from (contact details never travel on Kafka)."""
    public_url: str = "http://127.0.0.1:8003"
    """This service as the SMS provider reaches it, for delivery-status callbacks."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    email_from: str = "attendance@rollcall.example"

    sms_base_url: str = "http://127.0.0.1:8026/v1"
    """The provider's REST API; messages are POSTed to `{sms_base_url}/Messages`."""
    sms_account: str = "rollcall"
    sms_token: SecretStr = SecretStr("local")
    sms_from: str = "+15550100000"
    sms_timeout_seconds: float = 10.0

    time_zone: str = "America/Los_Angeles"
    """A district's time zone until its settings name another."""
    dispatch_poll_seconds: float = 1.0
    dispatch_batch_size: int = 200
    hold_seconds: float = 60.0
    """Texts and emails wait this long after a crossing, so siblings crossing together get one message."""
    in_doubt_seconds: float = 60.0
    """An item in flight this long belongs to a sender that stopped (longer than any provider timeout)."""
