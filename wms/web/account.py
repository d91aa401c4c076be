"""Logging in (badge and PIN, login and password, or an API token),
logging out, and the home screen."""
from __future__ import annotations

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from wms.auth import web_sessions
from wms.auth.services import authenticate
from wms.auth.users import LoginThrottled, login_with_badge, login_with_password
from wms.errors import Unauthenticated
from wms.extensions import page_sections
from wms.web.guard import SID, csrf_token, notice, safe_next
from wms.web.pages import db, render


def home():
    if g.principal.role in ("seller", "channel"):
        return redirect(url_for("web.stock"))
    # Buttons of the extensions' screens (fulfillment's Pick), between the core's.
    menu = [item for provider in page_sections("home_menu") for item in provider()]
    return render("home.html", menu=menu)


def login_form():
    csrf_token()  # the login form is CSRF-protected too
    return render("login.html", next=safe_next(request.args.get("next")), mode=request.args.get("with", "badge"))


def login():
    """A person logs in with a badge and PIN (handhelds) or a login and
    password; a machine's API token still works for scripts and old badges."""
    form = request.form
    target = safe_next(form.get("next"))
    client = request.remote_addr or ""
    mode = "token" if "token" in form else "password" if "password" in form else "badge"
    try:
        if mode == "token":
            raw = form.get("token", "").strip()
            if not raw:
                raise Unauthenticated(_("Scan or paste your token."))
            try:
                principal = authenticate(db(), raw)
            except Unauthenticated as error:
                raise Unauthenticated(_("That token is not valid: it is unknown, revoked or expired.")) from error
        elif mode == "password":
            if not form.get("login", "").strip() or not form.get("password"):
                raise Unauthenticated(_("Type your login and your password."))
            user = login_with_password(db(), form["login"], form["password"], client=client)
        else:
            if not form.get("badge", "").strip() or not form.get("pin", "").strip():
                raise Unauthenticated(_("Scan your badge, then type your PIN."))
            user = login_with_badge(db(), form["badge"], form["pin"].strip(), client=client)
    except (Unauthenticated, LoginThrottled) as error:
        if isinstance(error, Unauthenticated) and error.detail == "unknown login or wrong password":
            error = Unauthenticated(_("That badge and PIN do not match.") if mode == "badge"
                                    else _("That login and password do not match."))
        return render("login.html", error.status, error=error, next=target, mode=mode)
    # A new session: nothing from before the login (its CSRF token included) survives.
    # The cookie gets only the server-side session's key: never the token itself.
    hours = current_app.config["WMS_SETTINGS"].web_session_hours
    if mode == "token":
        sid = web_sessions.start(db(), hours=hours, token_id=principal.token_id)
        name = principal.name or principal.role
    else:
        sid = web_sessions.start(db(), hours=hours, user_id=user.id, user_epoch=user.session_epoch)
        name = user.name
    session.clear()
    session[SID] = sid
    csrf_token()
    # Their own language from now on (the next requests read it from their user).
    language = user.language if mode != "token" and user.language else None
    with force_locale(language or str(get_locale())):
        text = _("Logged in as %(name)s.", name=name)
    return redirect(target or url_for("web.home", **notice(text)), code=303)


def logout():
    web_sessions.end(db(), session.get(SID))
    session.clear()
    return redirect(url_for("web.login", **notice(_("Logged out."))), code=303)
