"""Plans settings, read from `PLANS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PLANS_", extra="ignore")

    service = "plans"

    database_url: str = "sqlite:///var/plans.db"
    port: int = 8004
    consumer_group: str = "plans"
    follow_up_days: int = 14
    """A new case's follow-up is due this many days after it opens."""
