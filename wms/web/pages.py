"""Rendering helpers shared by the screens."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, redirect, render_template, url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from wms.auth.principal import Principal
from wms.errors import ConfirmationRequired, DomainError, said
from wms.http import get_session
from wms.idempotency import FORM_FIELD
from wms.web.guard import CSRF_FIELD, csrf_token, new_form_key, notice, read_notice
from wms.web.nav import N_, portal_nav


def principal() -> Principal:
    return g.principal


def db():
    """The request's database session."""
    return get_session()


def render(template: str, status: int = 200, *, error: DomainError | None = None, **context):
    """A screen, with the notice a redirect carried, or the error of the
    form just sent (in large text at the top). A bare name is one of the
    core's templates (web/...); an extension names its own folder."""
    if error is not None:
        # A doubt to confirm is a question, not a failure: amber, not red.
        message = {"kind": "warn" if isinstance(error, ConfirmationRequired) else "error", "text": error_text(error)}
    else:
        message = read_notice()
    name = template if "/" in template else f"web/{template}"
    return render_template(name, message=message, error=error, **context), status


# How the screens name the fields a service's error is about.
FIELD_LABELS = {"barcode": N_("Item"), "sku": N_("Item"), "qty": N_("Quantity"), "location": N_("Bin"),
                "lot": N_("Lot"), "expiry": N_("Expiry"), "condition": N_("Condition"), "seq": N_("Pick"),
                "list": N_("Pick list"), "reason": N_("Reason")}


def error_text(error: DomainError) -> str:
    """The error for a person: field errors named by their label on the
    screen rather than their API name."""
    _title, detail, errors = said(error)  # in the screen's language
    generated = "; ".join(f"{k}: {v}" for k, v in error.errors.items())
    if error.errors and error.detail == generated:
        text = "; ".join(f"{gettext(FIELD_LABELS[k]) if k in FIELD_LABELS else k}: {v}" for k, v in errors.items())
    else:
        text = detail
    return text[:1].upper() + text[1:]


def done(endpoint: str, text: str, *, kind: str = "ok", **values):
    """After a successful form: redirect (303, so a reload does not resend)
    to the next screen with a success message (or a warning: done, but
    look)."""
    return redirect(url_for(endpoint, **values, **notice(text, kind)), code=303)


FAVICON = Path(__file__).parent / "static" / "favicon.ico"


def favicon():
    """The browser's tab icon (asked for at /favicon.ico by every browser)."""
    icon = current_app.response_class(FAVICON.read_bytes(), mimetype="image/x-icon")
    icon.headers["Cache-Control"] = "public, max-age=86400"
    return icon


def unknown_page(error):
    """An unknown web path (or method): an HTML page with the way home,
    not the API's problem+json."""
    from wms.web import i18n  # the pages' languages; imported here, as the app calls this outside a screen

    title = gettext("Not found") if error.code == 404 else error.name
    text = gettext("There is no such page.") if error.code == 404 else (error.description or error.name)
    body = render_template("web/error.html", title=title, message={"kind": "error", "text": text},
                           **context(), **i18n.context())
    return body, error.code or 404


def form_fields() -> Markup:
    """The hidden fields of every form: the session's CSRF token and a fresh
    idempotency key."""
    return Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">'
        f'<input type="hidden" name="{FORM_FIELD}" value="{escape(new_form_key())}">'
    )


def field_error(error: DomainError | None, *names: str) -> str | None:
    """The message of the error about one of these form fields, if any."""
    if error is None:
        return None
    for name in names:
        if error.errors.get(name):
            return str(error.errors[name])
    return None


def context() -> dict:
    return {"principal": g.get("principal"), "form_fields": form_fields, "field_error": field_error,
            "csrf_field": CSRF_FIELD, "csrf_token": csrf_token, "portal_nav": portal_nav}
