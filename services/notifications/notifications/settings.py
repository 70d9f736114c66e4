"""Notifications settings, read from `NOTIFICATIONS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from rollcall_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    database_url: str = "sqlite:///var/notifications.db"
    port: int = 8003
