"""Plans settings, read from `PLANS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.encryption import ContactKeySettings
from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings, ContactKeySettings):
    """`PLANS_CONTACT_KEYS` protect notes, meetings, acknowledgements and case timelines at rest."""

    model_config = SettingsConfigDict(env_prefix="PLANS_", extra="ignore")

    service = "plans"

    database_url: str = "sqlite:///var/plans.db"
    port: int = 8004
    consumer_group: str = "plans"
    follow_up_days: int = 14
    """A new case's follow-up is due this many days after it opens."""
