"""Packing and shipping on the handheld: a tote or an order reference opens
the order, every picked unit is verified by scanning it (an item not in the
order, or one too many, is caught and changes nothing), the carton and its
weight pack it through the same service as the API, the tracking number
ships it."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from fulfillment.models import Carton, Order
from fulfillment.picking import assign_tote, confirm_pick
from tests.factories import ADMIN, put_stock
from tests.web.conftest import message_of, new_order, new_pick_list, on_hand


@pytest.fixture
def picked(world, session) -> dict:
    """SO-1 (2 A-1, 1 A-2) and SO-2 (1 A-1), picked into totes T-1 and T-2."""
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)
    session.commit()
    first = new_order(session, reference="SO-1", lines=[{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 1}])
    second = new_order(session, reference="SO-2", lines=[{"sku": "A-1", "qty": 1}])
    pick_list = new_pick_list(session)
    assign_tote(session, ADMIN, pick_list["id"], tote="T-1", order_id=first)
    assign_tote(session, ADMIN, pick_list["id"], tote="T-2", order_id=second)
    for p in pick_list["picks"]:
        confirm_pick(session, ADMIN, pick_list["id"], p["seq"], location=p["location"], sku=p["sku_id"], qty=p["qty"])
    session.commit()
    return {"SO-1": first, "SO-2": second}


def status_of(session, order_id: int) -> str:
    session.expire_all()
    status = session.scalar(select(Order.status).where(Order.id == order_id))
    session.commit()
    return status


def test_a_tote_or_a_reference_opens_its_order_and_an_unknown_scan_says_so(screen, tokens, picked):
    browser = screen(tokens.wh1_operator)

    by_tote = browser.get("/pack", query_string={"code": "t-1"})
    by_reference = browser.get("/pack", query_string={"code": "SO-2"})
    unknown = browser.get("/pack", query_string={"code": "T-9"})
    not_packed_yet = browser.get("/ship", query_string={"code": "T-1"})

    assert by_tote.headers["Location"] == f"/pack/{picked['SO-1']}"
    assert by_reference.headers["Location"] == f"/pack/{picked['SO-2']}"
    assert unknown.status_code == 404
    assert message_of(unknown) == "error: No picked order in tote or with reference T-9"
    assert not_packed_yet.status_code == 404
    assert screen(tokens.wh2_operator).get("/pack", query_string={"code": "T-1"}).status_code == 404


def test_each_unit_is_verified_by_scan_and_mismatches_are_caught(screen, tokens, session, picked):
    browser = screen(tokens.wh1_operator)
    page = f"/pack/{picked['SO-1']}"

    one = browser.get(page, query_string={"barcode": "BA-1"})
    assert one.status_code == 303
    after_one = browser.follow(one)
    assert message_of(after_one) == "ok: A-1: 1 of 2 verified."
    verified = parse_qs(urlsplit(one.headers["Location"]).query)["v"][0]  # carried by the page's address
    assert verified == f"{_sku_id(session, 'A-1')}:1"
    two = browser.follow(browser.get(page, query_string={"barcode": "BA-1", "v": verified}))
    assert message_of(two) == "ok: A-1: 2 of 2 verified."
    too_many = browser.get(page, query_string={"barcode": "BA-1", "v": f"{_sku_id(session, 'A-1')}:2"})
    assert too_many.status_code == 422
    assert message_of(too_many) == "error: Item: one A-1 too many: the order has 2, all verified."
    foreign = browser.get(f"/pack/{picked['SO-2']}", query_string={"barcode": "BA-2"})
    assert message_of(foreign) == "error: Item: A-2 is not in order SO-2: put it aside."

    assert not _has_pack_form(two)  # A-2 is still to scan: no carton yet
    assert status_of(session, picked["SO-1"]) == "picked"


def _sku_id(session, code: str) -> int:
    from wms.catalog.models import Sku

    sku_id = session.scalar(select(Sku.id).where(Sku.code == code))
    session.commit()
    return sku_id


def _has_pack_form(response) -> bool:
    return 'id="carton-form"' in response.get_data(as_text=True)


def test_a_verified_order_is_packed_in_the_chosen_carton_and_shipped(screen, tokens, session, picked):
    browser = screen(tokens.wh1_operator)
    a1, a2 = _sku_id(session, "A-1"), _sku_id(session, "A-2")
    def form():  # each send with its own idempotency key, as a fresh page gives
        page = browser.get(f"/pack/{picked['SO-1']}", query_string={"v": f"{a1}:2,{a2}:1"})
        assert _has_pack_form(page)
        return browser.form(page)

    short = browser.send(form(), v=f"{a1}:1,{a2}:1", weight_g="900")  # a page altered by hand
    assert short.status_code == 422
    assert "scan every unit before packing (A-1 1/2)" in message_of(short)
    no_weight = browser.send(form(), weight_g="")
    assert no_weight.status_code == 422
    assert message_of(no_weight) == "error: Weight: type or scan the carton's weight in grams"
    assert status_of(session, picked["SO-1"]) == "picked"

    packed = browser.send(form(), weight_g="950", carton="M")
    assert packed.status_code == 303
    ship_page = browser.follow(packed)
    assert message_of(ship_page) == "ok: Packed SO-1: scan the tracking number."
    assert status_of(session, picked["SO-1"]) == "packed"
    carton = session.scalar(select(Carton).where(Carton.order_id == picked["SO-1"]))
    assert (carton.length_mm, carton.width_mm, carton.height_mm, carton.weight_g) == (400, 300, 200, 950)
    assert sorted((ln.sku_id, ln.qty) for ln in carton.lines) == sorted([(a1, 2), (a2, 1)])
    session.commit()
    assert on_hand(session, "WH1", "PACK") == {"A-1": 2, "A-2": 1}

    shipped = browser.send(browser.form(ship_page), tracking_number="1Z999", carrier="UPS")
    assert message_of(browser.follow(shipped)) == "ok: Shipped SO-1 with UPS, tracking 1Z999."
    assert status_of(session, picked["SO-1"]) == "shipped"
    assert on_hand(session, "WH1", "PACK") == {}
