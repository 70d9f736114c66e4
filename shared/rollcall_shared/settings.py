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
    kafka_max_message_bytes: int = Field(
        default=1024 * 1024, validation_alias=AliasChoices("KAFKA_MAX_MESSAGE_BYTES", "kafka_max_message_bytes")
    )
    """The largest message the outbox relay sends; a larger one is parked (keep it within the broker's limit)."""
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

    database_pool_size: int = 5
    """Connections each process keeps open to its database."""
    database_max_overflow: int = 5
    """Connections opened beyond the pool under load: a process holds at most pool + overflow (docs/operations.md)."""
    database_statement_timeout_seconds: float = 30.0
    """PostgreSQL ends a statement that runs longer (0: the server's own setting)."""
    database_idle_in_transaction_timeout_seconds: float = 60.0
    """PostgreSQL ends a session whose transaction waits idle longer, releasing its locks (0: the server's setting)."""
    inbox_retention_days: float = 30.0
    """How long a consumed message's id is kept to recognise a redelivery: longer than the topics' retention."""
    inbox_prune_seconds: float = 900.0
    """How often inbox ids older than the retention are deleted."""
