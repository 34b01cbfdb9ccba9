"""Typed settings, read from `BROKER_*` environment variables (the only module that reads the environment).

The embedded defaults keep everything under one data directory so `broker serve` works on a fresh
machine; production refuses to start on a generated or weak secret.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    # Secrets and database URLs never appear in a validation error.
    model_config = SettingsConfigDict(
        env_prefix="BROKER_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    # Where `broker serve` listens (its --host and --port override these). The embedded default is
    # this machine only; behind a load balancer or in a container, 0.0.0.0.
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65_535)
    # App processes `broker serve` runs on its port (its --workers overrides this). More than one needs
    # PostgreSQL, Meilisearch and, in production, a shared throttle storage (`scale_out_problems`).
    workers: int = Field(default=1, ge=1, le=64)
    # Where worker processes keep their Prometheus samples so /metrics sums them (prometheus-client's
    # multiprocess mode; its own variable name). `broker serve --workers N` sets it when it is unset.
    prometheus_multiproc_dir: Path | None = Field(default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR")
    database_url: str = ""
    # The database password, kept out of the URL: any characters (`@`, `/`, `%`, `:`) are allowed,
    # since it is set on the parsed URL rather than pasted into its text. Overrides a password in
    # the URL.
    database_password: SecretStr | None = None
    search_url: str = ""
    search_api_key: SecretStr | None = None
    search_sync_in_process: bool = True
    secret_key: SecretStr = SecretStr("")
    token_ttl_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    # Sign-in throttling (broker/accounts/throttle.py): attempts per email from one client address, and
    # attempts from one address across all emails, within a moving window of login_lockout_minutes.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_address_max_attempts: int = Field(default=300, ge=1)
    # Where the throttle keeps its counters: `memory://` (one process) or a `limits` storage URI such as
    # `redis://host:6379` shared by every app process.
    rate_limit_storage: str = "memory://"
    # Proxies whose X-Forwarded-For names the client (uvicorn's proxy headers); a comma-separated list
    # of addresses or networks, `*` only when nothing but the proxy can reach the app.
    forwarded_allow_ips: str = "127.0.0.1"
    graphiql: bool | None = None
    # Who runs this install: the web client's header, titles and footer say it (not GOV.UK's crown).
    service_council_name: str = Field(default="Leeds City Council", min_length=1, max_length=120)
    # Browser origins (scheme://host[:port], comma-separated) whose pages may call /graphql from
    # JavaScript; empty (the default) allows none: the web client is served from this origin.
    cors_origins: str = ""
    # Where the browser assets `make` installs with npm live (GraphiQL, React); unset: the project's
    # node_modules. Nothing is ever fetched from a CDN.
    assets_dir: Path | None = None
    log_sql: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    database_connect_timeout_seconds: float = Field(default=5, gt=0, le=60)
    # What one HTTP request may cost the server: a bigger body is refused (413), a client that takes
    # longer to send its headers is disconnected, and one slower with its body is answered 408.
    max_body_bytes: int = Field(default=1_000_000, ge=1_024, le=100_000_000)
    # A file sent to /graphql as a multipart upload (GraphQL multipart request spec: `importStatement`'s
    # `upload`) may make the whole body this big; every other request keeps `max_body_bytes`.
    max_upload_bytes: int = Field(default=6_000_000, ge=1_024, le=100_000_000)
    header_timeout_seconds: float = Field(default=10, gt=0, le=300)
    body_timeout_seconds: float = Field(default=10, gt=0, le=300)
    max_connections: int = Field(default=1_000, ge=1)
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    request_expiry_hours: int = Field(default=7 * 24, ge=1, le=90 * 24)
    audit_contingency_weeks: float = Field(default=4.0, ge=0, le=52)
    # Limits on one GraphQL request (broker/api/limits.py): what a caller may ask of the server at once.
    max_query_depth: int = Field(default=10, ge=1, le=100)
    max_query_aliases: int = Field(default=15, ge=0, le=1_000)
    max_query_tokens: int = Field(default=2_000, ge=100, le=100_000)
    # Comments and whitespace are not tokens: without this, padded texts would fill the parser cache.
    max_query_characters: int = Field(default=50_000, ge=1_000, le=1_000_000)
    max_fragment_spreads: int = Field(default=500, ge=0, le=100_000)
    max_repeated_fields: int = Field(default=100, ge=0, le=10_000)
    max_query_cost: int = Field(default=10_000, ge=1)
    # Notification email (broker/notifications/): the SMTP server to hand mail to. Empty host: email is
    # not sent (notifications still wait in the outbox, and are dropped unsent after
    # notification_email_max_age_hours). `tls`: none (a local mail catcher), starttls (port 587) or
    # tls (implicit, port 465). docker-compose.yml points these at its mail catcher. `smtp_ca_file`: a
    # PEM file of the certificate authorities to trust for the server's certificate instead of the
    # system's (a council's private CA); with TLS the certificate is always verified.
    smtp_host: str = ""
    smtp_port: int = Field(default=1025, ge=1, le=65_535)
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = None
    smtp_from: str = Field(default="notifications@broker.invalid", min_length=3, max_length=200)
    smtp_timeout_seconds: float = Field(default=10, gt=0, le=120)
    notification_email_max_age_hours: int = Field(default=72, ge=1, le=30 * 24)
    # The address people reach the web client at: notification emails link to pages under it.
    public_url: str = Field(default="http://127.0.0.1:8000", min_length=1, max_length=200)
    # Messages between holders and providers are personal data: purged this many days after sending.
    message_retention_days: int = Field(default=730, ge=1, le=3_650)

    @model_validator(mode="after")
    def _fill_embedded_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'broker.db'}"
        if self.database_password is not None:
            self.database_url = self._with_password(self.database_password.get_secret_value())
        if not self.search_url:
            self.search_url = f"tantivy://{self.data_dir / 'search-index'}"
        secret = self.secret_key.get_secret_value()
        if self.environment == "production":
            self._refuse_embedded_database()
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"BROKER_SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} characters in production"
                )
        elif not secret:
            self.secret_key = SecretStr(self._development_secret())
        return self

    def _with_password(self, password: str) -> str:
        try:
            url = make_url(self.database_url)
        except ArgumentError as error:
            raise ValueError("BROKER_DATABASE_URL is not a database URL") from error
        return url.set(password=password).render_as_string(hide_password=False)

    def _refuse_embedded_database(self) -> None:
        """Production runs on PostgreSQL: a SQLite file is one process on one disk, with no backups,
        replicas or scale-out, and the stack in docker-compose.yml provides the server."""
        try:
            backend = make_url(self.database_url).get_backend_name()
        except ArgumentError as error:
            raise ValueError("BROKER_DATABASE_URL is not a database URL") from error
        if backend != "postgresql":
            raise ValueError(
                "BROKER_DATABASE_URL must be a postgresql:// URL in production "
                f"(got a {backend} URL; SQLite is the embedded default for development only)"
            )

    def _development_secret(self) -> str:
        """A secret kept in the data directory, so development tokens survive restarts."""
        if self.environment == "test":
            return secrets.token_urlsafe(48)
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value

    def scale_out_problems(self, workers: int) -> tuple[list[str], list[str]]:
        """What stops `workers` app processes sharing this configuration (errors), and what merely
        degrades (warnings). One process needs nothing shared."""
        if workers <= 1:
            return [], []
        errors: list[str] = []
        warnings: list[str] = []
        if make_url(self.database_url).get_backend_name() != "postgresql":
            errors.append(
                "BROKER_DATABASE_URL: several workers need PostgreSQL (SQLite embedded mode is one process)"
            )
        if self.search_url.startswith("tantivy://"):
            errors.append(
                "BROKER_SEARCH_URL: the embedded tantivy index belongs to one process; several workers "
                "need Meilisearch (http://host:7700?index=providers)"
            )
        if self.rate_limit_storage.removeprefix("async+").startswith("memory://"):
            shared = (
                "BROKER_RATE_LIMIT_STORAGE: with memory:// each worker counts sign-in attempts on its own "
                "(a guesser gets N times the limit); use a shared storage such as redis://redis:6379"
            )
            (errors if self.is_production else warnings).append(shared)
        return errors, warnings

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @cached_property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.environment == "development"

    @property
    def search_api_key_value(self) -> str | None:
        return self.search_api_key.get_secret_value() if self.search_api_key else None

    @property
    def smtp_password_value(self) -> str | None:
        return self.smtp_password.get_secret_value() if self.smtp_password else None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
