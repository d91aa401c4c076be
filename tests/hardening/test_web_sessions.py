"""Issue 13 D6 (web): a web login is a server-side session. The signed cookie
holds only its random key (never the API token); logging out deletes the
session, so a copied cookie is dead at once; so is it when the token is
revoked, when the user is deactivated, and after WMS_WEB_SESSION_HOURS."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import func, select, update

from tests.factories import ADMIN
from tests.web.conftest import Screen, message_of
from wms.auth.models import Token, User, WebSession
from wms.auth.services import hash_token
from wms.auth.users import create_user
from wms.db import utcnow

COOKIE = "session"


def cookie_of(browser: Screen) -> str:
    return browser.client.get_cookie(COOKIE).value


def copy_of(app, browser: Screen) -> Screen:
    """Another browser holding a copy of this browser's cookie (a stolen cookie)."""
    thief = Screen(app.test_client())
    thief.client.set_cookie(COOKIE, cookie_of(browser))
    return thief


def decoded(app, raw_cookie: str) -> dict:
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(raw_cookie)


def sessions_in_db(session) -> int:
    n = session.scalar(select(func.count()).select_from(WebSession))
    session.commit()
    return n


@pytest.fixture
def maria(world, session) -> User:
    user = create_user(session, ADMIN, login="maria", name="Maria Lopez", role="operator", warehouses=["WH1"],
                       badge="OP-0001", pin="4821")
    session.commit()
    return user


def test_the_cookie_holds_a_session_key_never_the_token(app, screen, tokens, session):
    browser = screen(tokens.wh1_operator)

    raw_cookie = cookie_of(browser)
    content = decoded(app, raw_cookie)

    assert set(content) == {"sid", "csrf"}
    assert tokens.wh1_operator not in raw_cookie and tokens.wh1_operator not in str(content)
    # The server keeps only a hash of the key, bound to the token's row.
    row = session.scalars(select(WebSession)).one()
    assert row.key_hash == hash_token(content["sid"]) and content["sid"] not in row.key_hash
    token_id = session.scalar(select(Token.id).where(Token.token_hash == hash_token(tokens.wh1_operator)))
    assert row.token_id == token_id and row.user_id is None
    assert timedelta(hours=11, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=12)
    session.commit()


def test_a_copied_cookie_is_dead_after_logout(app, screen, tokens, session):
    browser = screen(tokens.wh1_operator)
    thief = copy_of(app, browser)
    assert thief.get("/receive").status_code == 200  # a copy works while the login lasts

    out = browser.submit("/", action="/logout")

    assert out.status_code == 303
    assert sessions_in_db(session) == 0
    response = thief.get("/receive")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert browser.get("/receive").status_code == 302


def test_a_copied_cookie_is_dead_once_its_token_is_revoked_through_the_api(app, screen, tokens, apis, session):
    browser = screen(tokens.wh1_operator)
    thief = copy_of(app, browser)
    token_id = session.scalar(select(Token.id).where(Token.token_hash == hash_token(tokens.wh1_operator)))
    session.commit()

    assert apis.admin.delete(f"/tokens/{token_id}").status_code == 204

    assert sessions_in_db(session) == 0
    response = thief.get("/receive")
    assert response.status_code == 302
    assert message_of(thief.follow(response)) == "error: Logged out: your login has ended: log in again."
    assert browser.get("/receive").status_code == 302


def test_a_copied_cookie_is_dead_once_its_user_is_deactivated(app, screen, maria, apis, session):
    browser = screen()
    browser.send(browser.form(browser.get("/login"), "/login"), badge="OP-0001", pin="4821")
    thief = copy_of(app, browser)
    assert thief.get("/receive").status_code == 200
    row = session.scalars(select(WebSession)).one()
    assert (row.user_id, row.token_id) == (maria.id, None)
    session.commit()

    assert apis.admin.patch(f"/users/{maria.id}", json={"active": False}).status_code == 200

    assert sessions_in_db(session) == 0
    assert thief.get("/receive").status_code == 302
    assert browser.get("/receive").status_code == 302


def test_a_web_session_ends_after_its_lifetime(app, screen, tokens, session):
    browser = screen(tokens.wh1_operator)
    thief = copy_of(app, browser)

    session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()

    for who in (browser, thief):
        response = who.get("/receive")
        assert response.status_code == 302
        assert message_of(who.follow(response)) == "error: Logged out: your login has ended: log in again."


def test_each_login_is_its_own_session_and_logging_out_one_leaves_the_other(screen, tokens, session):
    phone, desk = screen(tokens.wh1_operator), screen(tokens.wh1_operator)
    assert sessions_in_db(session) == 2

    phone.submit("/", action="/logout")

    assert phone.get("/receive").status_code == 302
    assert desk.get("/receive").status_code == 200


def test_a_forged_cookie_with_a_raw_token_is_not_a_login(app, screen, tokens):
    """The old cookie shape ({"token": raw}) signed with the right key logs nobody in."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    old = Screen(app.test_client())
    old.client.set_cookie(COOKIE, serializer.dumps({"token": tokens.admin}))
    guessed = Screen(app.test_client())
    guessed.client.set_cookie(COOKIE, serializer.dumps({"sid": "not-a-session"}))

    assert old.get("/receive").status_code == 302
    assert guessed.get("/receive").status_code == 302
