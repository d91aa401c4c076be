"""What every web request goes through before and after its view: who is
logged in (a server-side web session, whose random key is all the signed
cookie holds: never an API token), the CSRF
check of every form, the claim of the form's idempotency key, and the pages
shown for errors (HTML, never a stack trace or problem+json)."""
from __future__ import annotations

import hmac
import logging
import secrets
import time
from urllib.parse import urlencode, urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from wms import idempotency, row_security
from wms.auth import web_sessions
from wms.db import rollback as rollback_session
from wms.errors import BadRequest, DomainError, IdempotencyKeyInUse, IdempotencyKeyReused, Unauthenticated
from wms.http import get_session

log = logging.getLogger(__name__)

SID = "sid"  # the web session's random key (wms.auth.web_sessions)
CSRF = "csrf"
CSRF_FIELD = "csrf_token"
NOTICE_ARG = "n"
PUBLIC_ENDPOINTS = frozenset({"web.login_form", "web.login", "web.language"})
# A double tap arrives while the first tap is still being saved: wait for
# it and answer with its outcome rather than with an error.
IN_USE_WAIT_S = 5.0


class CsrfFailed(BadRequest):
    code, title = "csrf_failed", "Form expired"


# --- the before_request hook ----------------------------------------------------

def before_request():
    if request.endpoint == "web.static":
        return None
    sid = session.get(SID)
    if sid:
        try:
            g.principal = web_sessions.resume(get_session(), sid)
        except Unauthenticated as error:
            session.clear()
            return redirect(url_for("web.login", **notice(_("Logged out: %(reason)s.", reason=error.detail), "error")))
        row_security.enter(get_session(), g.principal)
    if request.method == "POST":
        check_csrf()
    if "principal" not in g:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("web.login", next=target))
    if request.method == "POST":
        return claim_form_key()
    return None


def check_csrf() -> None:
    expected = session.get(CSRF)
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfFailed(_("This form has expired or did not come from Quayside: nothing was saved. "
                           "Go back, reload the page and try again."))


def csrf_token() -> str:
    if CSRF not in session:
        session[CSRF] = secrets.token_urlsafe(32)
    return session[CSRF]


def new_form_key() -> str:
    """A fresh idempotency key for one rendered form: submitting it twice
    (a double tap, a retry after a timeout) does the work once."""
    return secrets.token_urlsafe(18)


def _raise(error: DomainError):
    raise error


def claim_form_key():
    """Claim the form's key in the idempotency table (scoped to the token);
    a repeat gets the first answer replayed (the same redirect)."""
    deadline = time.monotonic() + IN_USE_WAIT_S
    while True:
        try:
            return idempotency.claim_key(on_error=_raise)
        except IdempotencyKeyInUse:
            rollback()  # never sleep holding SQLite's write lock
            if time.monotonic() >= deadline:
                return redirect(request.path + "?" + urlencode(notice(
                    _("Still saving your previous tap: check the screen before scanning again."), "error")), 303)
            time.sleep(0.1)
        except IdempotencyKeyReused:
            rollback()
            return redirect(request.path + "?" + urlencode(notice(
                _("This form was already sent with other values, so it was not sent again. "
                  "Check the screen and enter it anew."), "error")), 303)


# --- notices carried through a redirect -------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="quayside-web-notice")


def notice(text: str, kind: str = "ok") -> dict:
    """Query arguments that make the next page show this message. They are
    signed, and part of the redirect itself, so a replayed redirect shows
    the same message (a cookie set by the first answer would be lost)."""
    return {NOTICE_ARG: _serializer().dumps([kind, text])}


def read_notice() -> dict | None:
    raw = request.args.get(NOTICE_ARG)
    if not raw:
        return None
    try:
        kind, text = _serializer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return {"kind": kind if kind in ("error", "warn") else "ok", "text": str(text)}


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect. Browsers and
    werkzeug drop tabs and newlines from a Location (so "/<TAB>/evil.example"
    would become "//evil.example"), and a newline cannot be sent at all:
    any whitespace or control character, a scheme, a host or a backslash
    is refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(c.isspace() or not c.isprintable() for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# --- error pages ---------------------------------------------------------------------

def rollback() -> None:
    db = g.get("db_session")
    if db is not None:
        rollback_session(db)


def error_page(status: int, title: str, message: str):
    return render_template("web/error.html", title=title, message={"kind": "error", "text": message}), status


def domain_error(error: DomainError):
    rollback()
    return error_page(error.status, error.title, error.detail)


def http_error(error: HTTPException):
    return error_page(error.code or 500, error.name, error.description or error.name)


def integrity_error(error: IntegrityError):
    rollback()
    log.info("integrity error on a web screen: %s", error.orig)
    return error_page(409, _("Conflict"), _("Someone changed the same data at the same time: nothing was saved. "
                                          "Reload the screen and try again."))


def data_error(error: Exception):
    rollback()
    log.warning("data error on a web screen: %s", getattr(error, "orig", error))
    return error_page(422, _("Not saved"), _("A value is out of range: nothing was saved. Check what you entered."))


def operational_error(error: OperationalError):
    rollback()
    log.warning("database unavailable: %s", error.orig)
    body, status = error_page(503, _("Try again"), _("The database is unavailable: nothing was saved. "
                                                  "Try again in a moment."))
    return body, status, {"Retry-After": "1"}


def unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    rollback()
    log.exception("unhandled error on a web screen")
    return error_page(500, _("Something went wrong"), _("Nothing was saved. Try again; if it happens again, "
                                                      "tell your supervisor."))


# Every screen: only its own scripts, styles and forms; never inside a frame;
# no MIME sniffing; no full URL (with its query) sent to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def after_request(response):
    # Pages show stock and carry form keys: never keep them in a cache (the CSS may be).
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
