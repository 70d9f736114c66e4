"""Settings base: every service reads its own prefixed environment, the broker address is shared."""

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rollcall_shared.auth import DEVELOPMENT_SIGNING_KEYS


class ServiceSettings(BaseSettings):
    """Defaults run on one laptop (bundled broker, SQLite); production sets the environment."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    database_url: str
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    topic_partitions: int = Field(
        default=8, validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS", "topic_partitions")
    )
    host: str = "127.0.0.1"
    port: int
    outbox_batch_size: int = 2000
    outbox_poll_seconds: float = 0.2
    log_json: bool = Field(default=True, validation_alias=AliasChoices("LOG_JSON", "log_json"))
    """JSON log lines on stderr, with correlation ids (`LOG_JSON=false`: the process's logging as it is)."""
    auth_signing_keys: str = Field(
        default=DEVELOPMENT_SIGNING_KEYS, validation_alias=AliasChoices("AUTH_SIGNING_KEYS", "auth_signing_keys")
    )
    """Bearer-token keys every service shares: `kid:secret,...` (secrets of 32+ characters); the first signs."""
    metrics_seconds: float = 15.0
    """How often gauges (outbox backlog, consumer lag, open cases) are refreshed for `/metrics`."""
