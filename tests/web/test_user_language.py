"""A person's language is kept on their user: chosen once, it holds from
the login on, on any device, whatever the browser asks for. Before a login
(and for token logins) the choice made in this browser holds, then the
browser's Accept-Language."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import ADMIN
from tests.web.conftest import message_of
from wms.auth.models import User
from wms.auth.users import create_user, update_user, user_view
from wms.errors import ValidationFailed

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def maria(world, session) -> User:
    user = create_user(session, ADMIN, login="maria", name="Maria Lopez", role="operator", warehouses=["WH1"],
                       badge="OP-0001", pin="4821")
    session.commit()
    return user


def badge_login(browser, headers=ENGLISH):
    form = browser.form(browser.get("/login", headers=headers), "/login")
    return browser.client.post(form.action, data={**form.fields, "badge": "OP-0001", "pin": "4821"}, headers=headers)


def language_of(session, user: User) -> str | None:
    session.expire_all()
    return session.scalar(select(User.language).where(User.id == user.id))


def test_the_language_chosen_after_login_is_kept_on_the_user_and_follows_them_to_another_device(
        screen, maria, session):
    phone = screen()
    phone.follow(badge_login(phone))

    chosen = phone.get("/language?lang=zh&next=/", headers=ENGLISH)

    assert chosen.status_code == 303
    assert language_of(session, maria) == "zh"
    desk = screen()  # another browser, asking for English
    sent = badge_login(desk)
    home = desk.follow(sent)
    assert message_of(home) == "ok: 已登录：Maria Lopez。"
    assert '<html lang="zh">' in desk.get("/receive", headers=ENGLISH).get_data(as_text=True)


def test_a_language_the_screen_is_not_offered_in_falls_back_to_the_browser(screen, maria, session):
    update_user(session, ADMIN, maria.id, {"language": "es"})
    session.commit()
    browser = screen()
    browser.follow(badge_login(browser))

    handheld = browser.get("/putaway", headers=ENGLISH).get_data(as_text=True)
    portal = browser.get("/stock", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)

    assert '<html lang="es">' in handheld and "Nada por ubicar." in handheld
    assert '<html lang="zh">' in portal  # the portal has no Spanish: the browser's language


def test_before_login_the_browsers_choice_then_its_accept_language_hold(screen, maria):
    browser = screen()

    by_header = browser.get("/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    browser.get("/language?lang=zh&next=/login")
    chosen = browser.get("/login", headers=ENGLISH).get_data(as_text=True)

    assert '<html lang="es">' in by_header and "Escanee su tarjeta" in by_header
    assert '<html lang="zh">' in chosen and "扫描工牌" in chosen
    assert 'hreflang="en"' in chosen and 'hreflang="es"' in chosen  # the way back, on the screen


def test_a_token_login_keeps_the_choice_in_its_session_only(screen, tokens, maria, session):
    browser = screen(tokens.wh1_operator)

    browser.get("/language?lang=zh&next=/")
    page = browser.get("/receive", headers=ENGLISH).get_data(as_text=True)

    assert '<html lang="zh">' in page
    assert language_of(session, maria) is None


def test_the_api_sets_a_language_and_refuses_an_unknown_one(session, maria):
    assert user_view(session, update_user(session, ADMIN, maria.id, {"language": "zh"}))["language"] == "zh"
    with pytest.raises(ValidationFailed) as refused:
        update_user(session, ADMIN, maria.id, {"language": "fr"})
    assert "language" in refused.value.errors
