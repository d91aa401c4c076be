"""Picking a pick list in route order by scanning bin and item."""
from __future__ import annotations

import pytest

from tests.web.conftest import (
    forms_of,
    message_of,
    movement_count,
    new_order,
    new_pick_list,
    on_hand,
    pick_list_of,
    stock,
    text_of,
)


@pytest.fixture
def pick_list(world, session) -> dict:
    """One order of 3 A-1 in WH1, in a wave: one pick at A01-01-1 (which holds 10)."""
    new_order(session)
    return new_pick_list(session)


def test_the_screen_shows_the_next_pick_in_big_letters(screen, tokens, pick_list):
    html = screen(tokens.wh1_operator).get(f"/pick/{pick_list['id']}").get_data(as_text=True)

    assert '<p class="bin">A01-01-1</p>' in html
    assert '<p class="item">3 × A-1' in html
    assert 'data-next="barcode"' in html and "autofocus" in html
    assert "0 of 1 picks done" in text_of(html)


def test_a_pick_list_number_typed_on_the_pick_screen_opens_it(screen, tokens, pick_list):
    browser = screen(tokens.wh1_operator)

    opened = browser.get("/pick", query_string={"list": str(pick_list["id"])})
    wrong = browser.get("/pick", query_string={"list": "abc"})

    assert opened.headers["Location"] == f"/pick/{pick_list['id']}"
    assert wrong.status_code == 422
    assert message_of(wrong) == "error: Pick list: 'abc' is not a pick list number"


def test_confirming_a_pick_moves_the_units_to_the_carts(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)

    done = browser.submit(f"/pick/{pick_list['id']}", location="A01-01-1", barcode="BA-1")

    assert done.status_code == 303
    after = browser.follow(done)
    assert message_of(after) == "ok: Picked 3 × A-1 from A01-01-1. Pick list done: take the cart to packing."
    assert on_hand(session, "WH1", "A01-01-1") == {"A-1": 7}
    assert on_hand(session, "WH1", "CARTS") == {"A-1": 3}
    assert stock(session, "WH1", "A-1")["picked"] == 3
    assert stock(session, "WH1", "A-1")["reserved"] == 0
    assert [p["status"] for p in pick_list_of(session, pick_list["id"])["picks"]] == ["picked"]


def test_a_double_tap_picks_once(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)
    form = browser.form(browser.get(f"/pick/{pick_list['id']}"))

    first = browser.send(form, location="A01-01-1", barcode="BA-1")
    again = browser.send(form, location="A01-01-1", barcode="BA-1")

    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert on_hand(session, "WH1", "CARTS") == {"A-1": 3}


def test_a_wrong_bin_shows_where_to_go_and_changes_nothing(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)
    before = movement_count(session)

    response = browser.submit(f"/pick/{pick_list['id']}", location="A01-02-1", barcode="BA-1")

    assert response.status_code == 422
    assert message_of(response) == "error: Bin: wrong location: this pick is at A01-01-1, not A01-02-1"
    assert '<p class="bin">A01-01-1</p>' in response.get_data(as_text=True)
    assert movement_count(session) == before
    assert on_hand(session, "WH1", "A01-01-1") == {"A-1": 10}
    assert [p["status"] for p in pick_list_of(session, pick_list["id"])["picks"]] == ["open"]


def test_a_wrong_item_shows_which_is_right_and_changes_nothing(screen, tokens, session, pick_list):
    before = movement_count(session)

    response = screen(tokens.wh1_operator).submit(f"/pick/{pick_list['id']}", location="A01-01-1", barcode="BA-2")

    assert response.status_code == 422
    assert message_of(response) == "error: Item: wrong item: this pick is A-1, not A-2"
    assert movement_count(session) == before


def test_the_bin_alone_asks_for_the_item_next(screen, tokens, session, pick_list):
    # Without JavaScript, Enter after the bin sends the form.
    response = screen(tokens.wh1_operator).submit(f"/pick/{pick_list['id']}", location="A01-01-1")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="A01-01-1"' in html
    assert 'spellcheck="false" autofocus' in html.split('id="barcode"')[1].split(">")[0]
    assert on_hand(session, "WH1", "CARTS") == {}


def test_a_short_pick_is_asked_about_and_done_with_the_tapped_reason(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)
    before = movement_count(session)

    asked = browser.submit(f"/pick/{pick_list['id']}", location="A01-01-1", barcode="BA-1", qty=1)

    assert asked.status_code == 409
    assert message_of(asked).startswith("warn: Taking 1 of 3 × A-1 from A01-01-1 is a short pick")
    assert movement_count(session) == before
    reasons = [f for f in forms_of(asked.get_data(as_text=True)) if f.fields.get("qty") == "1"]
    assert len(reasons) == 3  # one form per reason, each carrying the scan again
    done = browser.client.post(reasons[1].action, data={**reasons[1].fields, "short_reason": "damaged"})

    assert message_of(browser.follow(done)).startswith(
        "ok: Short pick (the units here are damaged): took 1 of 3 × A-1 from A01-01-1.")
    assert on_hand(session, "WH1", "CARTS") == {"A-1": 1}
    assert [(p["status"], p["short_reason"]) for p in pick_list_of(session, pick_list["id"])["picks"]] == [
        ("short", "damaged")]


def test_bin_empty_needs_no_item_scan_but_a_confirmation(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)

    asked = browser.submit(f"/pick/{pick_list['id']}", location="A01-01-1", empty="1")

    assert asked.status_code == 409
    assert message_of(asked).startswith("warn: Taking 0 of 3 × A-1 from A01-01-1 is a short pick")
    assert pick_list_of(session, pick_list["id"])["picks"][0]["status"] == "open"
    [empty] = [f for f in forms_of(asked.get_data(as_text=True)) if f.fields.get("qty") == "0"][:1]
    done = browser.client.post(empty.action, data={**empty.fields, "short_reason": "empty"})
    assert message_of(browser.follow(done)).startswith("ok: Short pick (the bin is empty): took 0 of 3 × A-1")
    assert on_hand(session, "WH1", "A01-01-1") == {"A-1": 10}
    assert pick_list_of(session, pick_list["id"])["picks"][0]["short_reason"] == "empty"


def test_another_warehouses_pick_list_is_not_found(screen, tokens, session, pick_list):
    browser = screen(tokens.wh2_operator)

    assert browser.get(f"/pick/{pick_list['id']}").status_code == 404


def test_a_batch_list_asks_for_one_tote_per_order_before_the_first_pick(screen, tokens, session, world):
    from tests.factories import put_stock

    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)
    session.commit()
    new_order(session, reference="SO-1")
    new_order(session, reference="SO-2", lines=[{"sku": "A-2", "qty": 1}])
    pick_list = new_pick_list(session)
    browser = screen(tokens.wh1_operator)

    first = browser.get(f"/pick/{pick_list['id']}")
    assert "Scan a tote" in text_of(first.get_data(as_text=True))
    browser.follow(browser.send(browser.form(first), tote="T-1"))
    wrong = browser.submit(f"/pick/{pick_list['id']}", tote="T-1")
    assert wrong.status_code == 409
    assert "already order" in message_of(wrong)
    ready = browser.follow(browser.submit(f"/pick/{pick_list['id']}", tote="T-2"))

    assert message_of(ready).endswith("Every order has its tote: start picking.")
    assert 'id="put-tote">T-1</p>' in ready.get_data(as_text=True)
    assert [t["tote"] for t in pick_list_of(session, pick_list["id"])["totes"]] == ["T-1", "T-2"]


def test_the_pick_screen_lists_the_open_pick_lists_and_takes_a_printed_label(screen, tokens, pick_list):
    start = screen(tokens.wh1_operator).get("/pick").get_data(as_text=True)
    elsewhere = screen(tokens.wh2_operator).get("/pick").get_data(as_text=True)

    assert f'href="/pick/{pick_list["id"]}"' in start
    assert f"Pick list {pick_list['id']} · 0 of 1 picks done" in text_of(start)
    assert 'id="open-lists"' not in elsewhere  # another warehouse's lists are not offered
    label = screen(tokens.wh1_operator).get("/pick", query_string={"list": f"PL-{pick_list['id']}"})
    assert label.headers["Location"] == f"/pick/{pick_list['id']}"
