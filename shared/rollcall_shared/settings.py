"""Settings base: every service reads its own prefixed environment; the broker address, the run's environment and
where clients' token keys are published are shared."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from rollcall_shared.auth import SERVICE_SCOPES
from rollcall_shared.tokens import CLIENT_ISSUER, IssuerKeys, SigningKeys, TokenVerifier, development_keys


class ServiceSettings(BaseSettings):
    """Defaults run on one laptop (bundled broker, SQLite); production sets the environment."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None, env_ignore_empty=True)
    """An empty variable is an unset one (`${VAR:-}` in compose, a blank line in a Secret): its default, or refused."""

    service: ClassVar[str]
    """The service's name: its audience, and the issuer of the tokens it signs to call another."""
    callers: ClassVar[tuple[str, ...]] = ()
    """The services that call this one with tokens of their own (`<SERVICE>_TRUSTED_SERVICES` says where their keys
    are; a development run trusts their embedded keys)."""

    environment: str = Field(default="production", validation_alias=AliasChoices("ROLLCALL_ENV", "environment"))
    """`development` (set by `make run` and the tests) accepts the embedded development keys; any other value (or
    none) is production, which refuses to start with a default, example or weak secret (`rollcall_shared.production`)."""
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
    time_zone: str = "America/Los_Angeles"
    """Where the districts are: "today" is this zone's date (a district's own settings may name another)."""
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

    auth_jwks_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AUTH_JWKS_URL", "auth_jwks_url")
    )
    """Where ingest publishes the keys of clients' tokens (`http://ingest:8001/.well-known/jwks.json`)."""
    auth_jwks_cache_seconds: float = Field(
        default=300.0, validation_alias=AliasChoices("AUTH_JWKS_CACHE_SECONDS", "auth_jwks_cache_seconds")
    )
    """How long fetched token keys are trusted before they are fetched again (a retired key stops within it)."""
    trusted_services: str = ""
    """`<SERVICE>_TRUSTED_SERVICES`: `name=jwks-url,...`, the services that may call this one with their own tokens."""
    max_request_bytes: int = 1024 * 1024
    """The largest request body of a route that names no limit of its own (413 past it)."""

    @classmethod
    def signs_tokens(cls) -> bool:
        """Ingest signs clients' tokens; a service that calls another signs its own (`TokenSigningSettings`)."""
        return "signing_keys" in cls.model_fields

    def own_keys(self) -> SigningKeys | None:
        """The keys this service signs with: its own, the embedded development key in development, else none."""
        if (keys := getattr(self, "signing_keys", None)) is not None:
            return SigningKeys(keys.get_secret_value(), variable=self.variable("signing_keys"))
        return development_keys(self.service) if self.environment == "development" else None

    def verifier(self) -> TokenVerifier:
        """Clients' tokens (ingest's keys) and the tokens of the services this one trusts, each for this service."""
        if self.service == "ingest":
            own = self.own_keys()
            clients = IssuerKeys(jwks=own.jwks() if own else {"keys": []})
        elif self.auth_jwks_url:
            clients = IssuerKeys(url=self.auth_jwks_url, cache_seconds=self.auth_jwks_cache_seconds)
        elif self.environment == "development":
            clients = IssuerKeys(jwks=development_keys("ingest").jwks())
        else:  # refused at start (`rollcall_shared.production`); never the public development key
            clients = IssuerKeys(jwks={"keys": []})
        issuers = {CLIENT_ISSUER: clients}
        if self.trusted_services.strip():
            for pair in filter(None, (part.strip() for part in self.trusted_services.split(","))):
                name, _, url = pair.partition("=")
                issuers[name.strip()] = IssuerKeys(url=url.strip(), cache_seconds=self.auth_jwks_cache_seconds)
        elif self.environment == "development":
            issuers |= {name: IssuerKeys(jwks=development_keys(name).jwks()) for name in self.callers}
        services = {name: SERVICE_SCOPES for name in issuers if name != CLIENT_ISSUER}
        return TokenVerifier(audience=self.service, issuers=issuers, service_scopes=services, reserved=SERVICE_SCOPES)

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


class TokenSigningSettings(BaseModel):
    """Settings of a service that signs tokens: `<SERVICE>_SIGNING_KEYS`."""

    signing_keys: SecretStr | None = None
    """Ed25519 keys `kid:key,...`, newest first; the first signs (`rollcall keys new-signing-key`). A development run
    uses the embedded key when none is set; a production run refuses to start without it."""
