"""People log in as themselves: a badge scan and a PIN on the handheld, or a
login and password; what they do is recorded under their name. Failed
logins are throttled per badge or login (and per client)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.factories import ADMIN
from tests.web.conftest import message_of, new_asn, text_of
from wms.auth.models import LoginThrottle, User
from wms.auth.users import ACCOUNT_RULE, create_user
from wms.idempotency_models import IdempotencyKey
from wms.inbound.models import Receipt
from wms.ledger.models import Movement, MovementUser


@pytest.fixture
def maria(world, session) -> User:
    user = create_user(session, ADMIN, login="maria", name="Maria Lopez", role="operator", warehouses=["WH1"],
                       badge="OP-0001", pin="4821", password="correct horse battery")
    session.commit()
    return user


def badge_login(browser, badge="OP-0001", pin="4821", path="/login"):
    return browser.send(browser.form(browser.get(path), "/login"), badge=badge, pin=pin)


def test_a_badge_and_pin_log_the_operator_in_under_their_own_name(screen, maria):
    browser = screen()
    page = browser.get("/login").get_data(as_text=True)
    assert 'id="badge"' in page and 'data-next="pin"' in page and 'inputmode="numeric"' in page

    sent = badge_login(browser)

    assert sent.status_code == 303
    home = browser.follow(sent)
    assert message_of(home) == "ok: Logged in as Maria Lopez."
    assert "Receive" in text_of(home.get_data(as_text=True))


def test_a_login_and_password_work_too(screen, maria):
    browser = screen()
    form = browser.form(browser.get("/login?with=password"), "/login")

    sent = browser.send(form, login="maria", password="correct horse battery")

    assert sent.status_code == 303
    assert message_of(browser.follow(sent)) == "ok: Logged in as Maria Lopez."


def test_a_wrong_pin_and_an_unknown_badge_get_the_same_answer(screen, maria):
    wrong = badge_login(screen(), pin="0000")
    unknown = badge_login(screen(), badge="OP-9999")

    assert wrong.status_code == unknown.status_code == 401
    assert message_of(wrong) == message_of(unknown) == "error: That badge and PIN do not match."


def test_what_the_operator_scans_is_recorded_under_their_name(screen, maria, session):
    asn_id = new_asn(session)
    browser = screen()
    badge_login(browser)

    sent = browser.submit(f"/receive/{asn_id}", barcode="BA-1", qty=2)

    assert sent.status_code == 303
    receipt = session.scalars(select(Receipt)).one()
    assert receipt.actor_user_id == maria.id and receipt.actor_token_id is None
    movement = session.scalars(select(Movement).where(Movement.kind == "receipt")).one()
    assert session.get(MovementUser, movement.id).user_id == maria.id
    key = session.scalars(select(IdempotencyKey)).one()
    assert (key.user_id, key.token_id) == (maria.id, None)
    session.commit()


def test_five_wrong_pins_lock_the_badge_even_for_the_right_pin(screen, maria, session):
    browser = screen()
    for _ in range(ACCOUNT_RULE.failures):
        assert badge_login(browser, pin="1111").status_code == 401

    locked = badge_login(browser)

    assert locked.status_code == 429
    assert message_of(locked).startswith("error: Too many failed logins: try again in 15 minutes")
    # Another badge from the same handheld still logs in: the client limit is higher.
    create_user(session, ADMIN, login="jo", name="Jo", role="operator", warehouses=["WH1"], badge="OP-0002",
                pin="1234")
    session.commit()
    assert badge_login(screen(), badge="OP-0002", pin="1234").status_code == 303
    session.execute(update(LoginThrottle).values(locked_until=None))  # the lock has run out
    session.commit()
    assert badge_login(screen()).status_code == 303


def test_a_disabled_user_is_logged_out_at_the_next_tap(screen, maria, session):
    browser = screen()
    badge_login(browser)
    assert browser.get("/receive").status_code == 200

    session.execute(update(User).where(User.id == maria.id).values(active=False, session_epoch=User.session_epoch + 1))
    session.commit()

    response = browser.get("/receive")
    assert response.status_code == 302
    assert message_of(browser.follow(response)) == "error: Logged out: your login has ended: log in again."
    assert badge_login(screen()).status_code == 401
