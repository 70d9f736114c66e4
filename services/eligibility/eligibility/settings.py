"""Eligibility settings, read from `ELIGIBILITY_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.encryption import ContactKeySettings
from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings, ContactKeySettings):
    """`ELIGIBILITY_CONTACT_KEYS` protect the students' report groups at rest."""

    model_config = SettingsConfigDict(env_prefix="ELIGIBILITY_", extra="ignore")

    service = "eligibility"

    database_url: str = "sqlite:///var/eligibility.db"
    port: int = 8002
    consumer_group: str = "eligibility"
    batch_max_records: int = 2000
    batch_timeout_ms: int = 50
    fetch_max_wait_ms: int = 50
    """How long the broker may hold a fetch for more data: the floor of the added latency."""
    max_attempts: int = 3
    """A message that fails this many times alone goes to the dead-letter topic."""
    cached_students: int = 500_000
    rebuild_chunk_students: int = 500
    """Students a rebuild job evaluates in one transaction: the longest the attendance consumers wait for it."""
    rebuild_poll_seconds: float = 2.0
    """How often each replica looks for a rebuild job to run (one posted to it starts at once)."""
    rebuild_takeover_seconds: float = 60.0
    """A running rebuild whose replica has committed no chunk for this long is taken over by another replica."""
