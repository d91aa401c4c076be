"""Abuse limits per token and per client address (Flask-Limiter).

Two application-wide limits count every request: one per token (the hash of
the bearer token, or the web session's key) and one per client address. The
counters live in the storage named by WMS_RATE_LIMIT_STORAGE (a Redis URI
in production, e.g. redis://127.0.0.1:6379/0), so every gunicorn worker and
every machine shares them; "memory://" counts per process and is only for a
single-process development server. Past a limit the answer is 429 (problem+json
on the API) with Retry-After.

Why Flask-Limiter on Redis rather than pyrate-limiter on PostgreSQL (which
the channel connectors use for their outbound budgets): pyrate-limiter's
PostgreSQL bucket writes one row per request it admits, which is fine for a
few marketplace calls per second but would double the database writes of
every scan; a Redis counter is one in-memory INCR per limit, outside the
database whose outage we already answer with 503.
"""
from __future__ import annotations

import hashlib
import logging

from flask import Flask, request, session
from flask_limiter import ApplicationLimit, Limiter

from wms.config import ConfigError, Settings

log = logging.getLogger(__name__)
EXEMPT_PATHS = ("/healthz", "/readyz", "/api/v1/healthz", "/api/v1/readyz", "/static/")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() or None if header[:7].lower() == "bearer " else None


def token_key() -> str:
    """Who is calling, never the secret itself: a hash of the token, or of
    the web session's key; a caller with neither is counted by address only."""
    raw = _bearer() or (session.get("sid") if request.cookies else None)
    if not raw:
        return "anonymous"
    return "token:" + hashlib.sha256(str(raw).encode()).hexdigest()[:32]


def client_key() -> str:
    return "ip:" + (request.remote_addr or "unknown")


def _exempt() -> bool:
    return request.path.startswith(EXEMPT_PATHS)


def _anonymous() -> bool:
    return _exempt() or token_key() == "anonymous"


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Install the limits, or none when WMS_RATE_LIMITS is off (the tests'
    default: only the tests of the limits turn them on)."""
    if not settings.rate_limits:
        return None
    storage = settings.rate_limit_storage
    if not storage:
        if settings.is_production:
            raise ConfigError("WMS_RATE_LIMIT_STORAGE must name a shared store (redis://...) when WMS_ENV=production"
                              " (or set WMS_RATE_LIMITS=off)")
        log.warning("rate limits counted per process (memory://): set WMS_RATE_LIMIT_STORAGE to share them")
        storage = "memory://"
    per_token, per_ip = settings.rate_limit_per_token, settings.rate_limit_per_ip
    limiter = Limiter(
        key_func=client_key,
        app=app,
        storage_uri=storage,
        strategy="moving-window",
        headers_enabled=True,
        application_limits=[
            ApplicationLimit(per_token, key_function=token_key, exempt_when=_anonymous, scope="token"),
            ApplicationLimit(per_ip, key_function=client_key, exempt_when=_exempt, scope="client"),
        ],
        key_prefix="quayside",
        # Redis down: count per process meanwhile, never fail the request
        # (the limits protect the service; they must not take it down).
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    app.extensions["wms"]["limiter"] = limiter
    return limiter
