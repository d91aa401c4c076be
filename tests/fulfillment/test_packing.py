"""Packing: the cartons must hold exactly what was picked for the order."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fulfillment.models import Carton
from tests.factories import put_stock
from tests.fulfillment.conftest import (
    assert_problem,
    buckets,
    confirm,
    get_order,
    movement_count,
    ok,
    on_hand,
    place,
    plan,
    stock_of,
)

BOX = {"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 800}


@pytest.fixture
def picked(apis, world, session) -> dict:
    """An order of 3 A-1 and 2 A-2 from WH1, picked onto the carts."""
    put_stock(session, world.wh1, "A02-04-1", world.skus_a[1], 5)
    order = place(apis.acme, ("A-1", 3), ("A-2", 2))
    for pick_list in plan(apis.wh1_operator)["pick_lists"]:
        for pick in pick_list["picks"]:
            ok(confirm(apis.wh1_operator, pick_list["id"], pick["seq"], location=pick["location"], sku=pick["sku"],
                       qty=pick["qty"]))
    assert get_order(apis.acme, order["id"])["status"] == "picked"
    return order


def carton_count(session) -> int:
    n = session.scalar(select(func.count()).select_from(Carton))
    session.commit()
    return n


@pytest.mark.parametrize("lines", [
    [{"sku": "A-1", "qty": 3}],                                              # A-2 left out
    [{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 2}],                    # one A-1 short
    [{"sku": "A-1", "qty": 3}, {"sku": "A-2", "qty": 3}],                    # one A-2 too many
    [{"sku": "A-1", "qty": 3}, {"sku": "A-2", "qty": 2}, {"sku": "B-1", "qty": 1}],  # BETA's SKU: unknown
])
def test_cartons_that_do_not_hold_what_was_picked_are_refused_and_change_nothing(apis, session, picked, lines):
    before = (movement_count(session), carton_count(session))

    response = apis.wh1_operator.post(f"/orders/{picked['id']}/pack", json={"cartons": [{**BOX, "lines": lines}]})

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert any(field.startswith("cartons") for field in body["errors"]), body
    assert (movement_count(session), carton_count(session)) == before
    assert get_order(apis.acme, picked["id"])["status"] == "picked"
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 3, "A-2": 2}


def test_a_mismatch_says_what_differs(apis, picked):
    body = assert_problem(apis.wh1_operator.post(f"/orders/{picked['id']}/pack", json={"cartons": [
        {**BOX, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 2}]}]}), 422, "validation_error", "cartons")

    assert "A-1: packed 2, picked 3" in body["errors"]["cartons"]
    assert "A-2" not in body["errors"]["cartons"]


def test_the_same_sku_may_be_spread_over_several_cartons(apis, session, picked):
    ok(apis.wh1_operator.post(f"/orders/{picked['id']}/pack", json={"cartons": [
        {**BOX, "lines": [{"sku": "A-1", "qty": 1}, {"sku": "A-2", "qty": 1}]},
        {**BOX, "lines": [{"sku": "A-1", "qty": 2}]},
        {**BOX, "lines": [{"sku": "A-2", "qty": 1}]},
    ]}))

    assert get_order(apis.acme, picked["id"])["status"] == "packed"
    assert carton_count(session) == 3
    assert on_hand(apis.admin, "WH1", "PACK") == {"A-1": 3, "A-2": 2}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(sellable=3, picked=2)
