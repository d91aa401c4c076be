"""create_app(): the composition root. It wires the core's areas, and every
extension package named in wms.extensions (their API blueprints, their own
web screens), into one Flask application."""

from __future__ import annotations

import logging
import os
import secrets

from flask import Flask, g, jsonify, request
from flask_smorest import Api
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from wms import idempotency
from wms.auth.services import authenticate
from wms.config import ConfigError, Settings
from wms.db import make_engine, make_sessionmaker
from wms.db import rollback as rollback_session
from wms.errors import DomainError
from wms.extensions import load_extensions
from wms.http import ProblemSchema, check_declared_roles, get_session, problem, problem_from
from wms.input_guard import BoundedIntConverter, check_request

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/healthz", f"{API_PREFIX}/readyz", "/healthz", "/readyz"}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class QuaysideApi(Api):
    """flask-smorest's Api, with every HTTP error rendered as problem+json."""

    ERROR_SCHEMA = ProblemSchema  # what the OpenAPI document says errors look like

    def handle_http_exception(self, error: HTTPException):
        return http_problem(error)

    def _register_responses(self):
        """flask-smorest's error responses, declared as what they are:
        application/problem+json (RFC 9457), not application/json."""
        import http as http_status

        from flask_smorest.utils import prepare_response

        for status in http_status.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def http_problem(error: HTTPException):
    status = error.code or 500
    code = HTTP_CODES.get(status, "internal_error" if status >= 500 else "bad_request")
    errors = {}
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:
        errors = _flatten(messages)
    if status == 400 and errors:
        detail = (
            "the request body is not valid JSON"
            if "json" in errors
            else "; ".join(f"{k}: {v}" for k, v in errors.items())
        )
    elif status == 422 and errors:
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
    else:
        detail = error.description or error.name
    response = problem(status, code, error.name, detail, errors)
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # e.g. Allow on a 405
            response.headers[name] = value
    return response


def _flatten(messages: dict) -> dict:
    """webargs errors {"json": {"lines": {0: {"qty": ["..."]}}}} become
    {"lines.0.qty": "..."}; the request location is dropped."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                # marshmallow files a nested object's own error (not an object) under "_schema"
                walk(prefix if k == "_schema" and prefix else f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            flat[prefix or "_body"] = " ".join(value)
        else:
            flat[prefix or "_body"] = str(value)

    for location, value in messages.items():
        if isinstance(value, dict):
            walk("", value)
        else:
            walk(location, value)
    return flat


def _reject_unknown_query_arguments() -> None:
    """A misspelt filter (`/stock?warehous=US-LAX`) is a 422 naming it, like
    an unknown body field, never silently ignored (webargs excludes them by default)."""
    from flask_smorest.arguments import ArgumentsMixin
    from marshmallow import RAISE

    parser = ArgumentsMixin.ARGUMENTS_PARSER
    parser.DEFAULT_UNKNOWN_BY_LOCATION = {**parser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}


def create_app(test_config: dict | None = None) -> Flask:
    settings = (test_config or {}).get("WMS_SETTINGS") or Settings.from_env()
    if settings.log_format == "json":
        from wms.logs import configure

        configure(settings.log_level)
    if settings.is_production and not settings.secret_key:
        raise ConfigError("WMS_SECRET_KEY must be set when WMS_ENV=production")
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=settings.secret_key or _installation_secret(app.instance_path),
        WMS_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="Quayside",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Quayside overseas warehouse management system: see API.md for the contract."},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "WMS_SETTINGS"})
    sessionmaker = app.config.get("WMS_SESSIONMAKER")
    engine = None
    if sessionmaker is None:
        engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        sessionmaker = make_sessionmaker(engine)
    app.extensions["wms"] = {"engine": engine, "sessionmaker": sessionmaker}

    app.json.sort_keys = False
    _reject_unknown_query_arguments()
    # Every <int:id> in a route stops at the largest id a column can hold (404 beyond).
    app.url_map.converters["int"] = BoundedIntConverter
    api = QuaysideApi(app)
    from flask_smorest.spec.plugins import integerconverter2paramschema

    api.register_converter(BoundedIntConverter, integerconverter2paramschema)
    api.ma_plugin.converter.add_attribute_function(_sku_ref_property)
    extensions = load_extensions()
    _register_blueprints(api, extensions)
    from wms.web import bp as web_blp  # the handheld screens and the seller portal (HTML)

    app.register_blueprint(web_blp, url_prefix="/")
    for extension in extensions:
        for blueprint in extension.web_blueprints:
            app.register_blueprint(blueprint)
    _register_hooks(app)
    _register_health(app)
    return app


def _sku_ref_property(_converter, field, **_kwargs) -> dict:
    """The OpenAPI type of a SkuRef: a SKU id or a SKU code."""
    from wms.db import INT32_MAX
    from wms.schemas import SkuRef

    if not isinstance(field, SkuRef):
        return {}
    return {"oneOf": [{"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                      {"type": "string", "minLength": 1, "maxLength": 64}]}


def _installation_secret(instance_path: str) -> str:
    """Outside production without WMS_SECRET_KEY: a random key made once per
    installation and kept in the instance folder (mode 0600), never a
    constant anyone could read in the code and sign cookies or notices with."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as f:
            existing = f.read().strip()
        if existing:
            return existing
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    # Written whole to a file of its own, then linked into place: a worker
    # starting at the same moment reads one complete key or makes none.
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker's key won
    finally:
        os.unlink(tmp)
    with open(path) as f:
        return f.read().strip()


def _register_blueprints(api: Api, extensions) -> None:
    from wms.auth.api import blp as auth_blp
    from wms.catalog.api import blp as catalog_blp
    from wms.facility.api import blp as facility_blp
    from wms.inbound.api import blp as inbound_blp
    from wms.inventory.api import blp as inventory_blp

    extra = [blp for extension in extensions for blp in extension.api_blueprints]
    for blp in (auth_blp, facility_blp, catalog_blp, inbound_blp, inventory_blp, *extra):
        api.register_blueprint(blp, url_prefix=API_PREFIX)


def _register_hooks(app: Flask) -> None:
    from wms import logs, metrics, row_security

    logs.init_app(app)  # first: every later line and problem carries the request's id
    metrics.init_app(app)  # its clock starts before anything else runs
    from wms import ratelimits

    ratelimits.init_app(app, app.config["WMS_SETTINGS"])  # 429 before any database work

    @app.before_request
    def authenticate_request():
        if not request.path.startswith(API_PREFIX) or request.path in PUBLIC_PATHS:
            return None
        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header[:7].lower() == "bearer " else None
        g.principal = authenticate(get_session(), raw)
        row_security.enter(get_session(), g.principal)
        return None

    app.before_request(check_declared_roles)  # authorization before validation: 403 before any 422
    app.before_request(check_request)  # malformed input never reaches a view or the database
    app.before_request(idempotency.claim_key)
    idempotency.init_app(app)

    @app.teardown_appcontext
    def close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        _rollback()
        response = problem_from(error)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="quayside"'
        return response

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        _rollback()
        log.info("integrity error turned into 409: %s", error.orig)
        return problem(409, "conflict", "Conflict", "the request conflicts with the current state of the data")

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # The last line behind the schemas: a value the database cannot store.
        _rollback()
        log.warning("data error turned into 422: %s", error.orig)
        return problem(422, "validation_error", "Validation error", "a value is out of range for the database")

    @app.errorhandler(OperationalError)
    def operational_error(error: OperationalError):
        _rollback()
        log.warning("database unavailable: %s", error.orig)
        response = problem(503, "unavailable", "Service unavailable", "the database is unavailable; retry shortly")
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.endpoint is None and not request.path.startswith("/api/") \
                and request.accept_mimetypes.accept_html:
            # An unknown web path: an HTML page, as the screens' own errors.
            from wms.web.pages import unknown_page

            return unknown_page(error)
        return http_problem(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_problem(error)
        _rollback()
        log.exception("unhandled error")
        return problem(500, "internal_error", "Internal server error", "an unexpected error occurred")


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        rollback_session(session)


class _OpenTasks:
    """A Prometheus collector for one scrape: open tasks per warehouse and type."""

    def __init__(self, session):
        self.session = session

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from wms.facility.models import Warehouse
        from wms.inventory.models import Task

        family = GaugeMetricFamily("quayside_open_tasks", "Open warehouse tasks", labels=["warehouse", "type"])
        rows = self.session.execute(
            select(Warehouse.code, Task.type, func.count())
            .join(Warehouse, Warehouse.id == Task.warehouse_id)
            .where(Task.status == "open").group_by(Warehouse.code, Task.type)
        ).all()
        for warehouse, kind, count in rows:
            family.add_metric([warehouse, kind], count)
        yield family


def _register_health(app: Flask) -> None:
    def healthz():
        return jsonify(status="ok")

    def readyz():
        from wms.migrate import current_revision, head_revision

        try:
            session = get_session()
            session.execute(text("SELECT 1"))
            current = current_revision(session.connection())
            session.rollback()
        except OperationalError as exc:
            return problem(503, "unavailable", "Not ready", f"database unreachable: {exc.orig}")
        head = head_revision()
        if current != head:
            return problem(503, "unavailable", "Not ready", f"database at revision {current}, code expects {head}")
        return jsonify(status="ok", revision=current)

    def metrics_endpoint():
        from wms.metrics import metrics_response

        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header[:7].lower() == "bearer " else None
        authenticate(get_session(), raw).require("admin")
        session = get_session()
        response = metrics_response([_OpenTasks(session)])
        session.rollback()
        return response

    app.add_url_rule("/metrics", "metrics", metrics_endpoint)
    for prefix in ("", API_PREFIX):
        app.add_url_rule(f"{prefix}/healthz", f"healthz{prefix}", healthz)
        app.add_url_rule(f"{prefix}/readyz", f"readyz{prefix}", readyz)
