"""Languages of the screens, with Flask-Babel and the message catalogues in
the repository (`<package>/translations/<lang>/LC_MESSAGES/messages.po`, and
the compiled `.mo` beside it): the portal and operations pages in English
and Simplified Chinese, the handheld screens in English, Simplified Chinese
and Spanish. The language follows the person's own choice (kept on their
user, so it holds from the login on, on any device), then the choice made
in this browser (kept in the session: anonymous pages and token logins),
then the browser's Accept-Language, then English. Numbers and dates are formatted
for the language chosen (Flask-Babel's numberformat and datetimeformat)."""
from __future__ import annotations

import contextlib
import importlib.resources
from pathlib import Path

from flask import g, redirect, request, session, url_for
from flask_babel import Babel, get_locale

from wms.auth.models import USER_LANGUAGES
from wms.auth.users import set_language
from wms.errors import DomainError
from wms.extensions import EXTENSION_PACKAGES
from wms.http import get_session

LANGUAGE = "lang"  # the user's choice, in the session
NAMES = {"en": "English", "zh": "中文", "es": "Español"}
assert tuple(NAMES) == USER_LANGUAGES
PORTAL_LANGUAGES = ("en", "zh")
HANDHELD_LANGUAGES = ("en", "zh", "es")
# The handheld screens (and the login and home screens that lead to them).
HANDHELD_ENDPOINTS = ("web.login_form", "web.login", "web.home", "web.asn_list", "web.receive_screen", "web.receive",
                      "web.close_screen", "web.close", "web.putaway_list", "web.putaway_screen", "web.putaway",
                      "fulfillment_web.pick_start", "fulfillment_web.pick_screen", "fulfillment_web.pick")


def languages() -> tuple[str, ...]:
    """The languages the current screen is offered in."""
    return HANDHELD_LANGUAGES if request.endpoint in HANDHELD_ENDPOINTS else PORTAL_LANGUAGES


def select_locale() -> str:
    offered = languages()
    for chosen in (getattr(g.get("principal"), "language", None), session.get(LANGUAGE)):
        if chosen in offered:  # a choice this screen is not offered in falls through
            return chosen
    return request.accept_languages.best_match(offered) or "en"


def translation_directories() -> list[str]:
    """The core's catalogue and each extension package's own, if it has one."""
    found = [str(Path(__file__).resolve().parent.parent / "translations")]
    for package in EXTENSION_PACKAGES:
        folder = importlib.resources.files(package) / "translations"
        if folder.is_dir():
            found.append(str(folder))
    return found


def init_app(app) -> None:
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    Babel(app, locale_selector=select_locale)


def choose_language():
    """Keep the user's choice of language for the following screens."""
    lang = request.args.get("lang", "")
    if lang in NAMES:
        session[LANGUAGE] = lang
        principal = g.get("principal")
        if principal is not None and principal.user_id is not None:
            with contextlib.suppress(DomainError):  # the session keeps it all the same
                set_language(get_session(), principal, lang)
    target = request.args.get("next", "")
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return redirect(target if safe else url_for("web.home"), code=303)


def context() -> dict:
    return {"current_language": str(get_locale() or "en"), "language_names": NAMES, "offered_languages": languages}
