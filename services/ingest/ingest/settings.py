"""Ingest settings, read from `INGEST_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    database_url: str = "sqlite:///var/ingest.db"
    port: int = 8001
    max_body_bytes: int = 32 * 1024 * 1024
    """Largest JSON body; it is read whole (at most 10,000 records)."""
    max_stream_bytes: int = 512 * 1024 * 1024
    """Largest streamed body: an Ed-Fi XML interchange or a CSV export."""
    stream_batch_size: int = 5000
    """Records of a streamed body held in memory before they are written."""
