"""Structured logs: one JSON object per line (python-json-logger), each
carrying the id of the request it belongs to.

Every request gets an id: the caller's X-Request-ID when it is a sane token
(1-128 of letters, digits and ._:-), else a fresh random one. It is sent back
in the X-Request-ID header, put in every problem+json body (`request_id`)
and on every log line written while the request runs, so that a client's
report, a proxy's log and ours meet on one value. Each request also ends
with one access line (method, path, status, duration) from `wms.access`.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_MARK = "_quayside_json"
access_log = logging.getLogger("wms.access")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or null outside a request) on the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def json_handler(stream=None) -> logging.Handler:
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    ))
    setattr(handler, _MARK, True)
    return handler


def configure(level: str = "INFO", stream=None) -> logging.Handler:
    """Send the root logger's lines, as JSON, to stderr (once per process:
    a second app in the same process replaces the handler, never doubles it)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    handler = json_handler(stream)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    """Register first, so that the id exists before anything can log or fail."""

    @app.before_request
    def assign_request_id():
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if _SANE.match(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def send_request_id(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
            started = g.get("request_started")
            access_log.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            })
        return response
