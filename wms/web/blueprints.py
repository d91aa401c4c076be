"""A blueprint of HTML screens: the guard (login, CSRF, the form's
idempotency key), the shared page context and the error pages attached.
The core's screens (wms.web.routes) and every extension's own screens
(`Extension.web_blueprints`, with their own templates folder) are made
with it, so every screen is guarded alike."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from wms.errors import DomainError
from wms.web import guard, i18n, pages


def screens_blueprint(name: str, import_name: str, **options) -> Blueprint:
    bp = Blueprint(name, import_name, **options)
    bp.before_request(guard.before_request)
    bp.after_request(guard.after_request)
    bp.context_processor(pages.context)
    bp.context_processor(i18n.context)
    bp.register_error_handler(DomainError, guard.domain_error)
    bp.register_error_handler(HTTPException, guard.http_error)
    bp.register_error_handler(IntegrityError, guard.integrity_error)
    bp.register_error_handler(DataError, guard.data_error)
    bp.register_error_handler(OperationalError, guard.operational_error)
    bp.register_error_handler(Exception, guard.unexpected)
    return bp
