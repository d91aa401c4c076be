"""Prometheus metrics at /metrics (prometheus-client, the maintained client
library): request latency per route, ledger level changes committed,
idempotency conflicts, and open tasks per warehouse (read from the database
at each scrape).

Under gunicorn each worker counts for itself: set PROMETHEUS_MULTIPROC_DIR
to an empty directory before start and /metrics adds up every worker's
files (prometheus-client's multiprocess mode). /metrics needs an admin token
(Prometheus: `authorization: {credentials: ...}` in the scrape config).
"""
from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import event
from sqlalchemy.orm import Session

from wms.db import after_commit

REQUEST_SECONDS = Histogram(
    "quayside_http_request_duration_seconds", "Time to answer a request, per route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LEDGER_LEVEL_CHANGES = Counter(
    "quayside_ledger_level_changes_total",
    "Stock level changes (one per warehouse and SKU touched by a ledger write) committed",
)
IDEMPOTENCY_CONFLICTS = Counter(
    "quayside_idempotency_conflicts_total", "Requests refused because of their Idempotency-Key", ["kind"],
)
_PENDING = "wms_metrics_level_changes"


def _count_levels(session: Session, changes=()) -> None:
    session.info[_PENDING] = session.info.get(_PENDING, 0) + len(changes)
    after_commit(session, _committed)


def _committed(session: Session) -> None:
    LEDGER_LEVEL_CHANGES.inc(session.info.pop(_PENDING, 0))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def metrics_response(collectors=()) -> Response:
    """The exposition: what was counted, then what the collectors read now
    (the app passes the ones that read the database; this module imports no area)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        counted = generate_latest(REGISTRY)
    now = CollectorRegistry()
    for collector in collectors:
        now.register(collector)
    body = counted + generate_latest(now)
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    from wms.ledger.events import levels_changed

    levels_changed.connect(_count_levels)

    @app.before_request
    def start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            REQUEST_SECONDS.labels(request.method, _route(), str(response.status_code)).observe(
                time.perf_counter() - started)
        return response
