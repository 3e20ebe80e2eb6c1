"""Settings from environment variables `FORGEHOOKS_*` (and a `.env` file)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from forgehooks.core.retry import DEFAULT_SCHEDULE, RetryPolicy


class Settings(BaseSettings):
    """Everything an operator can configure; each field is `FORGEHOOKS_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="FORGEHOOKS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="folder for the SQLite file and the key")
    database_url: str = Field("", description="SQLAlchemy URL; default: SQLite in data_dir")
    database_schema: str = Field("", description="PostgreSQL schema (search_path) to use")
    host: str = Field("127.0.0.1", description="listen address of `serve`")
    port: int = Field(8080, description="listen port of `serve`")
    public_url: str = Field("", description="base URL shown in payloads and links")
    secret_key: str = Field("", description="Fernet key for hook secrets; generated if empty")
    allow_local_targets: bool = Field(False, description="allow hooks to loopback/private hosts")
    embedded_worker: bool = Field(True, description="`serve` also runs delivery workers")
    worker_concurrency: int = Field(512, description="sends in flight per worker process")
    claim_batch: int = Field(256, description="deliveries claimed per query")
    lease_seconds: float = Field(60.0, description="a claimed delivery returns after this")
    poll_interval: float = Field(0.05, description="idle wait between claims (seconds)")
    send_timeout: float = Field(10.0, description="total timeout of one delivery request")
    connect_timeout: float = Field(5.0, description="connect timeout of one delivery request")
    per_host_limit: int = Field(64, description="connections per receiver host")
    egress_proxy: str | None = Field(
        None,
        description="proxy of every delivery (unset: HTTPS_PROXY/HTTP_PROXY; empty: none); NO_PROXY applies",
    )
    retry_schedule: str = Field(
        ",".join(str(int(s)) for s in DEFAULT_SCHEDULE),
        description="seconds before each attempt, comma separated",
    )
    held_retention_days: int = Field(30, description="how long a disabled hook's deliveries wait")
    max_request_bytes: int = Field(1_048_576, description="largest API request body")
    max_payload_bytes: int = Field(
        25 * 1_048_576, description="largest rendered event body; larger publishes are refused (413)"
    )
    max_hooks_per_project: int = Field(100, description="hooks per project")
    api_rate_limit: int = Field(2000, description="API requests per minute per token (0: no limit)")
    alert_url: str = Field("", description="where to POST an alert when a hook is disabled or paused")
    test_calls_per_minute: int = Field(5, description="test/resend calls per user per hook")
    attempt_log: Literal["off", "json"] = Field(
        "off", description="`json`: one JSON line per delivery attempt on stderr (logger forgehooks.attempts)"
    )

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'forgehooks.db').resolve()}"

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The retry schedule as a policy object."""
        schedule = tuple(float(s) for s in self.retry_schedule.split(",") if s.strip())
        return RetryPolicy(schedule=schedule or DEFAULT_SCHEDULE)

    def base_url(self) -> str:
        """Where users reach this service (for payload URLs and console links)."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"
