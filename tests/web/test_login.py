"""Logging in with an API token, logging out, and CSRF protection."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.web.conftest import asn_lines, message_of, movement_count, new_asn, text_of
from wms.auth.models import Token
from wms.auth.services import hash_token
from wms.db import utcnow


def test_a_page_asks_for_a_login_first_and_returns_to_it_afterwards(screen, tokens):
    browser = screen()

    first = browser.get("/putaway")
    assert first.status_code == 302
    assert first.headers["Location"] == "/login?next=/putaway"

    login_page = browser.follow(first)
    after = browser.send(browser.form(login_page), token=tokens.wh1_operator)
    assert after.status_code == 303
    assert after.headers["Location"] == "/putaway"
    assert browser.follow(after).status_code == 200


def test_logging_in_shows_who_is_logged_in_and_the_operator_menu(screen, tokens):
    browser = screen()

    home = browser.follow(browser.login(tokens.wh1_operator))

    assert message_of(home) == "ok: Logged in as test operator."
    page = text_of(home.get_data(as_text=True))
    for item in ("Receive", "Put away", "Pick", "Stock", "Log out"):
        assert item in page


def test_a_seller_lands_on_its_stock(screen, tokens):
    browser = screen(tokens.acme)

    assert browser.get("/").headers["Location"] == "/stock"


def test_an_unknown_token_is_refused_with_a_message(screen, tokens):
    browser = screen()

    refused = browser.submit("/login", token="qs_not-a-real-token")

    assert refused.status_code == 401
    assert message_of(refused) == "error: That token is not valid: it is unknown, revoked or expired."
    assert browser.get("/receive").status_code == 302


def test_logging_out_ends_the_session(screen, tokens):
    browser = screen(tokens.wh1_operator)
    assert browser.get("/receive").status_code == 200

    out = browser.submit("/", action="/logout")

    assert out.status_code == 303
    assert message_of(browser.follow(out)) == "ok: Logged out."
    assert browser.get("/receive").status_code == 302


def test_a_revoked_token_logs_the_screen_out(screen, tokens, session, frozen_cache_clock):
    from wms.auth.services import TOKEN_CACHE_SECONDS

    browser = screen(tokens.wh1_operator)
    revoke = update(Token).where(Token.token_hash == hash_token(tokens.wh1_operator)).values(revoked_at=utcnow())
    session.execute(revoke)
    session.commit()
    # Revoked in SQL, as another process would: seen once the cached principal expires.
    frozen_cache_clock(TOKEN_CACHE_SECONDS + 0.1)

    response = browser.get("/receive")

    assert response.status_code == 302
    assert message_of(browser.follow(response)) == "error: Logged out: unknown or revoked token."


def test_the_login_redirect_never_leaves_the_site(screen, tokens):
    browser = screen()
    page = browser.get("/login", query_string={"next": "//evil.example/steal"})

    after = browser.send(browser.form(page), token=tokens.wh1_operator)

    assert after.headers["Location"].startswith("/?")


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(screen, tokens, session):
    asn_id = new_asn(session)
    browser = screen(tokens.wh1_operator)
    form = browser.form(browser.get(f"/receive/{asn_id}"))
    before = movement_count(session)

    forged = browser.client.post(form.action, data={**form.fields, "csrf_token": "forged", "barcode": "BA-1"})
    missing = browser.client.post(form.action, data={k: v for k, v in form.fields.items() if k != "csrf_token"}
                                  | {"barcode": "BA-1"})

    for response in (forged, missing):
        assert response.status_code == 400
        assert "nothing was saved" in message_of(response)
        assert response.mimetype == "text/html"
    assert movement_count(session) == before
    assert asn_lines(session, asn_id)["A-1"] == (20, 0, 0)


def test_the_csrf_token_of_another_browser_session_does_not_work(screen, tokens, session):
    asn_id = new_asn(session)
    other, own = screen(tokens.wh1_operator), screen(tokens.wh1_operator)
    others_token = other.form(other.get(f"/receive/{asn_id}")).fields["csrf_token"]
    form = own.form(own.get(f"/receive/{asn_id}"))
    assert others_token != form.fields["csrf_token"]

    response = own.client.post(form.action, data={**form.fields, "csrf_token": others_token, "barcode": "BA-1"})

    assert response.status_code == 400
    assert asn_lines(session, asn_id)["A-1"] == (20, 0, 0)


def test_the_login_form_is_csrf_protected_too(screen, tokens):
    browser = screen()

    response = browser.client.post("/login", data={"token": tokens.wh1_operator})

    assert response.status_code == 400
    assert browser.get("/receive").status_code == 302


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "/\n/evil.example", "/\r\n/evil.example",
                                    "/ /evil.example", "/\\evil.example", "https://evil.example", "//evil.example",
                                    "///evil.example", "javascript:alert(1)", "/\u2028/evil.example"])
def test_a_login_next_with_whitespace_or_a_host_stays_on_the_site(screen, tokens, target):
    """Issue 13 D2/D8: werkzeug strips tabs and newlines from a Location, so
    "/<TAB>/evil.example" used to redirect off-site, and a newline was a 500."""
    browser = screen()
    page = browser.get("/login")

    after = browser.send(browser.form(page), token=tokens.wh1_operator, next=target)

    assert after.status_code in (302, 303)
    location = after.headers["Location"]
    assert location.startswith("/?") or location == "/", location


def test_a_login_next_on_the_site_is_followed(screen, tokens):
    browser = screen()
    page = browser.get("/login", query_string={"next": "/receive?x=1"})

    after = browser.send(browser.form(page), token=tokens.wh1_operator)

    assert after.headers["Location"] == "/receive?x=1"

