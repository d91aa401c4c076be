"""Picking a pick list in route order by scanning bin and item."""
from __future__ import annotations

import pytest

from tests.web.conftest import (
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


def test_a_short_pick_is_allowed_and_said(screen, tokens, session, pick_list):
    browser = screen(tokens.wh1_operator)

    done = browser.submit(f"/pick/{pick_list['id']}", location="A01-01-1", barcode="BA-1", qty=1)

    assert message_of(browser.follow(done)).startswith("ok: Short pick: took 1 of 3 × A-1 from A01-01-1.")
    assert on_hand(session, "WH1", "CARTS") == {"A-1": 1}
    assert pick_list_of(session, pick_list["id"])["picks"][0]["status"] == "short"


def test_another_warehouses_pick_list_is_not_found(screen, tokens, session, pick_list):
    browser = screen(tokens.wh2_operator)

    assert browser.get(f"/pick/{pick_list['id']}").status_code == 404
