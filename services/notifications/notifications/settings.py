"""Notifications settings, read from `NOTIFICATIONS_*` environment variables."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from rollcall_shared.encryption import BlindIndexSettings
from rollcall_shared.settings import ServiceSettings, TokenSigningSettings

from notifications.channels.sms import sending_number


class Settings(ServiceSettings, TokenSigningSettings, BlindIndexSettings):
    """`NOTIFICATIONS_CONTACT_KEYS` and `NOTIFICATIONS_CONTACT_INDEX_KEY` protect contact details at rest.

    A district's own templates render in `NOTIFICATIONS_TEMPLATE_WORKERS` worker processes, each
    limited to `NOTIFICATIONS_TEMPLATE_MEMORY_MB` of address space and killed when one message takes
    longer than `NOTIFICATIONS_TEMPLATE_SECONDS`; a message longer than its channel's
    `NOTIFICATIONS_{LETTER,EMAIL,SMS}_MAX_CHARACTERS` is refused.
    """

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service = "notifications"

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
    """The number every district's texts are sent from; a STOP to it stops texts from all of them."""
    sms_timeout_seconds: float = 10.0

    time_zone: str = "America/Los_Angeles"
    """A district's time zone until its settings name another."""
    hold_seconds: float = 60.0
    """Texts and emails wait this long after a crossing, so siblings crossing together get one message."""

    dispatch_poll_seconds: float = 1.0
    """How often a sender looks for due items when the last look found none."""
    dispatch_claim_size: int = Field(5, ge=1)
    """Items (households' messages, letters) one claim takes and renders in one short transaction."""
    send_concurrency: int = Field(10, ge=1)
    """Provider calls under way at once in one process; N replicas make N times as many."""
    in_doubt_seconds: float = 60.0
    """An item in flight this long belongs to a sender that stopped: longer than any provider call, which is cut
    off at half of it."""
    retry_first_seconds: float = 60.0
    """The wait after the first call a provider did not take; it doubles with each further one."""
    retry_max_seconds: float = 3600.0
    """The longest wait between two calls for one item."""
    outage_max_seconds: float = 30.0
    """The longest pause of the sender while the database does not answer (it doubles from the poll interval)."""

    template_seconds: float = Field(1.0, gt=0)
    """The longest a district's template may take to write one message (or the sample, when saved)."""
    template_memory_mb: int = Field(256, ge=64)
    """Address space of each template worker process (about 35 MB of it is the worker itself)."""
    template_workers: int = Field(2, ge=1)
    """Worker processes per replica rendering district templates; the packaged defaults render in-process."""
    letter_max_characters: int = Field(40_000, gt=0)
    """About twelve pages; three children with 90 days missed each make 18,000 with the default letter."""
    email_max_characters: int = Field(20_000, gt=0)
    sms_max_characters: int = Field(1_600, gt=0)
    """The SMS providers' limit (ten segments)."""

    def max_characters(self) -> dict[str, int]:
        """The longest message a district's template may write, per channel."""
        return {"letter": self.letter_max_characters, "email": self.email_max_characters, "sms": self.sms_max_characters}

    @field_validator("sms_from")
    @classmethod
    def _e164(cls, number: str) -> str:
        """Written as the provider writes it in an inbound reply's `To`, so opt-outs are found under it."""
        return sending_number(number)
