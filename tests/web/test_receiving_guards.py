"""The receiving guards on the handheld: a doubtful scan asks first (an
amber question with one-tap answers) and changes nothing until confirmed;
an expired lot is refused as good, with a one-tap way to take it in damaged."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import SkuFactory
from tests.web.conftest import asn_lines, forms_of, message_of, movement_count, new_asn, stock, text_of
from wms.catalog.models import Sku
from wms.inbound.models import Receipt


@pytest.fixture
def asn_id(world, session) -> int:
    return new_asn(session, lines=[{"sku": "A-1", "qty": 24}])


def posts(browser, page):
    """The page's POST forms in order (the doubt's answers first, the scan form last)."""
    return [f for f in forms_of(page.get_data(as_text=True)) if f.method == "post" and f.action != "/logout"]


def test_5000_on_a_line_of_24_asks_why_and_receives_nothing(screen, tokens, session, asn_id):
    browser = screen(tokens.wh1_operator)
    before = movement_count(session)

    asked = browser.submit(f"/receive/{asn_id}", barcode="BA-1", qty=5000)

    assert asked.status_code == 409
    assert message_of(asked).startswith("warn: 5000 × A-1 would make 5000 received against 24 expected")
    html = asked.get_data(as_text=True)
    assert 'id="doubt"' in html
    assert movement_count(session) == before
    assert asn_lines(session, asn_id)["A-1"] == (24, 0, 0)
    # The scan form below starts afresh: the next scan is one unit, not 5000 again.
    scan_form = posts(browser, asked)[-1]
    assert scan_form.fields["qty"] == "1" and "confirm" not in scan_form.fields


def test_a_tap_on_a_reason_receives_the_over_receipt_and_records_why(screen, tokens, session, asn_id):
    browser = screen(tokens.wh1_operator)
    asked = browser.submit(f"/receive/{asn_id}", barcode="BA-1", qty=30)
    reasons = re.findall(r'name="reason" value="([^"]+)"', asked.get_data(as_text=True))
    [first_reason_form, *_] = posts(browser, asked)

    sent = browser.send(first_reason_form, reason=reasons[0])

    assert sent.status_code == 303
    assert message_of(browser.follow(sent)) == "ok: Received 30 × A-1 (good)."
    assert asn_lines(session, asn_id)["A-1"] == (24, 30, 0)
    assert session.scalars(select(Receipt.reason)).all() == [reasons[0]]
    session.commit()


def test_an_item_not_on_the_asn_asks_and_a_yes_receives_it(screen, tokens, session, asn_id):
    browser = screen(tokens.wh1_operator)

    asked = browser.submit(f"/receive/{asn_id}", barcode="BA-2", qty=2)
    assert asked.status_code == 409
    assert message_of(asked) == f"warn: A-2 ({stock_name(session)}) is not on ASN PO-1001: receive it anyway?"
    assert "Yes, receive it" in asked.get_data(as_text=True)
    sent = browser.send(posts(browser, asked)[0])

    assert sent.status_code == 303
    assert asn_lines(session, asn_id)["A-2"] == (0, 2, 0)


def stock_name(session) -> str:
    name = session.scalar(select(Sku.name).where(Sku.code == "A-2"))
    session.commit()
    return name


def test_an_expired_lot_is_refused_and_one_tap_takes_it_in_as_damaged(screen, tokens, session, world):
    SkuFactory(seller=world.seller_a, code="MILK", lot_tracked=True, expiry_tracked=True)
    session.commit()
    asn_id = new_asn(session, reference="PO-MILK", lines=[{"sku": "MILK", "qty": 10}])
    browser = screen(tokens.wh1_operator)

    refused = browser.submit(f"/receive/{asn_id}", barcode="BMILK", qty=3, lot="OLD", expiry="2020-05-01")

    assert refused.status_code == 422
    assert message_of(refused).startswith("error: Lot OLD expired on 2020-05-01")
    assert asn_lines(session, asn_id)["MILK"] == (10, 0, 0)
    assert "Receive as damaged (expired)" in refused.get_data(as_text=True)
    sent = browser.send(posts(browser, refused)[0])
    assert sent.status_code == 303
    assert message_of(browser.follow(sent)) == "ok: Received 3 × MILK (damaged)."
    assert asn_lines(session, asn_id)["MILK"] == (10, 3, 3)
    assert stock(session, "WH1", "MILK")["unsellable"] == 3


def test_a_short_dated_lot_is_received_with_an_amber_warning(screen, tokens, session, world):
    world.seller_a.min_shelf_life_days = 60
    SkuFactory(seller=world.seller_a, code="MILK", lot_tracked=True, expiry_tracked=True)
    session.commit()
    asn_id = new_asn(session, reference="PO-MILK", lines=[{"sku": "MILK", "qty": 10}])
    soon = date.today() + timedelta(days=10)

    browser = screen(tokens.wh1_operator)
    sent = browser.submit(f"/receive/{asn_id}", barcode="BMILK", lot="S1", expiry=soon)

    assert sent.status_code == 303
    message = message_of(browser.follow(sent))
    assert message.startswith("warn: Received 1 × MILK (good). Warning: Lot S1 expires on")
    assert "under ACME's minimum of 60" in message
    assert asn_lines(session, asn_id)["MILK"] == (10, 1, 0)


def test_the_last_scans_are_listed_and_one_tap_undoes_one(screen, tokens, session, asn_id):
    browser = screen(tokens.wh1_operator)
    browser.submit(f"/receive/{asn_id}", barcode="BA-1", qty=3)
    page = browser.follow(browser.submit(f"/receive/{asn_id}", barcode="BA-1", qty=2))
    undo_forms = [f for f in posts(browser, page) if "/undo/" in f.action]
    assert len(undo_forms) == 2  # newest first
    assert "2 × A-1" in text_of(page.get_data(as_text=True)).split("Your last scans")[1]
    other_tab = browser.get(f"/receive/{asn_id}")

    sent = browser.send(undo_forms[0])

    assert sent.status_code == 303
    after = browser.follow(sent)
    assert message_of(after) == "ok: Undone: 2 × A-1 taken back out."
    assert asn_lines(session, asn_id)["A-1"] == (24, 3, 0)
    assert len([f for f in posts(browser, after) if "/undo/" in f.action]) == 1
    assert "undone" in text_of(after.get_data(as_text=True))
    again = browser.send(undo_forms[0])  # the same form again replays the answer
    assert again.headers.get("Idempotent-Replayed") == "true"
    stale = browser.send(browser.form(other_tab, undo_forms[0].action))  # a tap on a stale second tab
    assert stale.status_code == 409
    assert message_of(stale).startswith("error: This scan was undone at")
