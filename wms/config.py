"""Settings, read once from WMS_* environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite:///instance/wms.db"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    env: str = "development"
    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_hours: int = 72
    # A key still "in flight" after this long belonged to a worker that died;
    # its transaction never committed, so a retry may take it over.
    idempotency_lock_seconds: int = 60
    sqlite_busy_timeout_ms: int = 30_000
    # A web login (server-side session) ends this long after it began.
    web_session_hours: int = 12
    # Abuse limits (wms.ratelimits): off unless configured (from_env turns
    # them on); limits in the `limits` notation ("600/minute;20/second").
    rate_limits: bool = False
    rate_limit_storage: str | None = None
    rate_limit_per_token: str = "1200/minute"
    rate_limit_per_ip: str = "3000/minute"
    # Log lines: "json" (one object per line, with the request id) or "text"
    # (Python's default handler; from_env says json).
    log_format: str = "text"
    log_level: str = "INFO"
    # Orders holding reservations without shipping for this long are reported (`wms check`).
    stuck_order_hours: int = 72
    # A cycle-count variance larger than this many units waits for an admin.
    count_approval_units: int = 10
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("WMS_DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=os.environ.get("WMS_SECRET_KEY") or None,
            env=os.environ.get("WMS_ENV", "development"),
            max_body_bytes=_int("WMS_MAX_BODY_BYTES", 1024 * 1024),
            idempotency_ttl_hours=_int("WMS_IDEMPOTENCY_TTL_HOURS", 72),
            idempotency_lock_seconds=_int("WMS_IDEMPOTENCY_LOCK_SECONDS", 60),
            sqlite_busy_timeout_ms=_int("WMS_SQLITE_BUSY_TIMEOUT_MS", 30_000),
            web_session_hours=_int("WMS_WEB_SESSION_HOURS", 12),
            rate_limits=os.environ.get("WMS_RATE_LIMITS", "on").lower() not in ("off", "0", "false", "no"),
            rate_limit_storage=os.environ.get("WMS_RATE_LIMIT_STORAGE") or None,
            rate_limit_per_token=os.environ.get("WMS_RATE_LIMIT_PER_TOKEN") or "1200/minute",
            rate_limit_per_ip=os.environ.get("WMS_RATE_LIMIT_PER_IP") or "3000/minute",
            stuck_order_hours=_int("WMS_STUCK_ORDER_HOURS", 72),
            log_format=os.environ.get("WMS_LOG_FORMAT", "json"),
            log_level=os.environ.get("WMS_LOG_LEVEL", "INFO").upper(),
            count_approval_units=_int("WMS_COUNT_APPROVAL_UNITS", 10),
        )


class ConfigError(RuntimeError):
    """The process cannot start with these settings."""
