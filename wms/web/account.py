"""Logging in with an API token, logging out, and the home screen."""
from __future__ import annotations

from flask import g, redirect, request, session, url_for

from wms.auth.services import authenticate
from wms.errors import Unauthenticated
from wms.extensions import page_sections
from wms.web.guard import TOKEN, csrf_token, notice, safe_next
from wms.web.pages import db, render


def home():
    if g.principal.role in ("seller", "channel"):
        return redirect(url_for("web.stock"))
    # Buttons of the extensions' screens (fulfillment's Pick), between the core's.
    menu = [item for provider in page_sections("home_menu") for item in provider()]
    return render("home.html", menu=menu)


def login_form():
    csrf_token()  # the login form is CSRF-protected too
    return render("login.html", next=safe_next(request.args.get("next")))


def login():
    raw = request.form.get("token", "").strip()
    target = safe_next(request.form.get("next"))
    if not raw:
        return render("login.html", 401, error=Unauthenticated("Scan or paste your token."), next=target)
    try:
        principal = authenticate(db(), raw)
    except Unauthenticated:
        return render("login.html", 401, next=target, error=Unauthenticated(
            "That token is not valid: it is unknown, revoked or expired."))
    # A new session: nothing from before the login (its CSRF token included) survives.
    session.clear()
    session[TOKEN] = raw
    csrf_token()
    return redirect(target or url_for("web.home", **notice(f"Logged in as {principal.name or principal.role}.")),
                    code=303)


def logout():
    session.clear()
    return redirect(url_for("web.login", **notice("Logged out.")), code=303)
