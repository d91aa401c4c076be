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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from wms import idempotency, row_security
from wms.auth import web_sessions
from wms.db import rollback as rollback_session
from wms.errors import BadRequest, DomainError, IdempotencyKeyInUse, IdempotencyKeyReused, Unauthenticated, said
from wms.http import get_session
from wms.idempotency import FORM_FIELD
from wms.idempotency_models import IdempotencyKey

log = logging.getLogger(__name__)

SID = "sid"  # the web session's random key (wms.auth.web_sessions)
CSRF = "csrf"
CSRF_FIELD = "csrf_token"
NOTICE_ARG = "n"
# An error page of a form is answered with a 303 to this screen's URL with
# FAILED_ARG=<the form's idempotency key> (and STATUS_ARG): the GET shows the
# page the key recorded, so Back and reload never meet a POST's answer.
FAILED_ARG, STATUS_ARG = "failed", "s"
PUBLIC_ENDPOINTS = frozenset({"web.login_form", "web.login", "web.language"})
# A double tap arrives while the first tap is still being saved: wait for
# it and answer with its outcome rather than with an error.
IN_USE_WAIT_S = 5.0


class CsrfFailed(BadRequest):
    code, title = "csrf_failed", "Form expired"


# --- the before_request hook ----------------------------------------------------

def before_request():
    if request.endpoint in ("web.static", "web.favicon"):
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
    if request.args.get(FAILED_ARG):
        return replay_failure(request.args[FAILED_ARG])
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
    title, detail, _errors = said(error)
    return error_page(error.status, title, detail)


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


def redirect_failure(response):
    """A form's error page (a 4xx answer to a POST that claimed its
    idempotency key) becomes a 303 to GET the same page: the page itself is
    kept as the key's recorded answer (the work was rolled back: an error
    changes nothing), and replay_failure shows it."""
    if request.method != "POST" or response.status_code < 400 or response.status_code >= 500 \
            or g.get("idempotency_key_id") is None or response.mimetype != "text/html":
        return response
    key = request.form.get(FORM_FIELD, "")
    if not key or not _has_screen(request.path):
        return response
    rollback()  # nothing of the failed work is committed with the recorded answer
    target = request.path + "?" + urlencode({FAILED_ARG: key, STATUS_ARG: response.status_code})
    moved = redirect(target, 303)
    moved.set_data(response.get_data())  # recorded with the key: what the GET shows
    return moved


def _has_screen(path: str) -> bool:
    """Whether a GET of this path is a screen (an upload or a decision has none: its error stays the answer)."""
    try:
        current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return False
    return True


def replay_failure(key: str):
    """The error page a form of this person (or token) recorded under its key
    on this screen, with its status; a key unknown here shows the screen."""
    principal = g.principal
    owner = IdempotencyKey.token_id == principal.token_id if principal.token_id is not None \
        else IdempotencyKey.user_id == principal.user_id
    row = get_session().scalar(select(IdempotencyKey).where(
        owner, IdempotencyKey.key == key[:255], IdempotencyKey.status == "completed",
        IdempotencyKey.response_status == 303))
    if row is None or (row.path or "").split("?")[0] != request.path or not row.response_body:
        return redirect(request.path, 303)
    status = request.args.get(STATUS_ARG, "")
    status = int(status) if status.isdigit() and 400 <= int(status) < 500 else 400
    return current_app.response_class(row.response_body, status=status, mimetype="text/html")


def after_request(response):
    response = redirect_failure(response)
    # Pages show stock and carry form keys: never keep them in a cache (the CSS may be).
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
