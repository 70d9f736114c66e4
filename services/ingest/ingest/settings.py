"""Ingest settings, read from `INGEST_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.encryption import ContactKeySettings
from rollcall_shared.settings import ServiceSettings, TokenSigningSettings


class Settings(ServiceSettings, TokenSigningSettings, ContactKeySettings):
    """`INGEST_CONTACT_KEYS` protect the stored roster documents and students' group documents at rest."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    service = "ingest"
    callers = ("notifications",)

    database_url: str = "sqlite:///var/ingest.db"
    port: int = 8001
    max_body_bytes: int = 32 * 1024 * 1024
    """Largest JSON body; it is read whole (at most 10,000 records)."""
    max_stream_bytes: int = 512 * 1024 * 1024
    """Largest streamed body: an Ed-Fi XML interchange or a CSV export."""
    stream_batch_size: int = 5000
    """Records of a streamed body held in memory before they are written."""
    token_seconds: int = 900
    """Life of a bearer token from POST /oauth/token (a revoked client's last token ends within it)."""
    rate_limit: str = "600/minute"
    """Requests per client on the ingest routes (`limits` notation, e.g. 100/second)."""
    token_rate_limit: str = "30/minute"
    """Token requests per key and address: secrets are slow to check on purpose."""
    rate_limit_storage: str = "async+memory://"
    """Where the windows are counted: per process by default; `async+redis://host:6379` shares them."""
