"""Who sees what: a seller never sees another seller's orders, a channel
token only its own channel's, an operator only its warehouses' orders,
waves and pick lists; and the roles that may not do something are told so."""
from __future__ import annotations

import pytest

from tests.fulfillment.conftest import (
    assert_problem,
    buckets,
    cartons_for,
    confirm,
    get_order,
    ok,
    order_body,
    place,
    plan,
    stock_of,
)

MISSING = 999_999  # an order, wave or pick list id that does not exist
CARTON = {"cartons": [{"length_mm": 100, "width_mm": 100, "height_mm": 100, "weight_g": 100,
                       "lines": [{"sku": "A-1", "qty": 1}]}]}
SHIP = {"carrier": "UPS", "tracking_number": "1Z"}


@pytest.fixture
def acme_order(apis) -> dict:
    return place(apis.acme, ("A-1", 2))


def same_answer(a, b) -> bool:
    """Two error responses that tell the caller the same thing."""
    ja, jb = a.get_json(), b.get_json()
    return (a.status_code, ja["code"], ja["errors"]) == (b.status_code, jb["code"], jb["errors"])


def test_another_sellers_order_is_not_found(apis, acme_order):
    order_id = acme_order["id"]

    assert_problem(apis.beta.get(f"/orders/{order_id}"), 404, "not_found")
    assert_problem(apis.beta.post(f"/orders/{order_id}/cancel"), 404, "not_found")
    assert get_order(apis.acme, order_id)["status"] == "allocated"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=2)


@pytest.mark.parametrize(("action", "body"), [("pack", CARTON), ("ship", SHIP)])
def test_packing_or_shipping_another_sellers_order_tells_a_seller_no_more_than_for_a_missing_one(
        apis, acme_order, action, body):
    theirs = apis.beta.post(f"/orders/{acme_order['id']}/{action}", json=body)
    missing = apis.beta.post(f"/orders/{MISSING}/{action}", json=body)

    assert theirs.status_code in (403, 404)
    assert same_answer(theirs, missing)
    assert get_order(apis.acme, acme_order["id"])["status"] == "allocated"


def test_lists_never_show_another_sellers_orders(apis, acme_order):
    beta_order = place(apis.beta, ("B-1", 1))

    for status in (None, "allocated"):
        query = {"status": status} if status else {}
        assert [o["id"] for o in ok(apis.beta.get("/orders", query_string=query))["items"]] == [beta_order["id"]]
        assert [o["id"] for o in ok(apis.acme.get("/orders", query_string=query))["items"]] == [acme_order["id"]]
    assert {o["id"] for o in ok(apis.admin.get("/orders"))["items"]} == {acme_order["id"], beta_order["id"]}


def test_a_seller_cannot_order_another_sellers_sku_by_id(apis, world):
    assert_problem(apis.beta.post("/orders", json=order_body((world.skus_a[0].id, 1))),
                   422, "validation_error", "lines.0.sku")
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_a_channel_token_sees_only_its_own_channels_orders(apis):
    from_channel = place(apis.acme_channel, ("A-1", 1))
    from_other_channel = place(apis.acme_channel2, ("A-1", 1))
    from_portal = place(apis.acme, ("A-1", 1))

    assert [o["id"] for o in ok(apis.acme_channel.get("/orders"))["items"]] == [from_channel["id"]]
    assert get_order(apis.acme_channel, from_channel["id"])["channel"] == 1
    for other in (from_other_channel, from_portal):
        assert_problem(apis.acme_channel.get(f"/orders/{other['id']}"), 404, "not_found")
        assert_problem(apis.acme_channel.post(f"/orders/{other['id']}/cancel"), 404, "not_found")
    # the seller sees all three
    assert len(ok(apis.acme.get("/orders"))["items"]) == 3


def test_a_channel_token_orders_for_its_own_seller_and_channel_only(apis):
    assert_problem(apis.acme_channel.post("/orders", json=order_body(("B-1", 1), seller="BETA")),
                   422, "validation_error", "seller")
    assert_problem(apis.acme_channel.post("/orders", json=order_body(("B-1", 1))),
                   422, "validation_error", "lines.0.sku")

    order = place(apis.acme_channel, ("A-1", 1), channel=2)

    assert order["channel"] == 1
    assert order["seller"] == "ACME"


def test_a_channel_token_may_not_plan_waves_or_pick(apis, acme_order):
    wave = plan(apis.wh1_operator)
    pick_list = wave["pick_lists"][0]

    assert_problem(apis.acme_channel.post("/warehouses/WH1/waves", json={}), 403, "forbidden")
    assert_problem(apis.acme_channel.get(f"/waves/{wave['id']}"), 403, "forbidden")
    assert_problem(apis.acme_channel.get(f"/pick-lists/{pick_list['id']}"), 403, "forbidden")
    assert_problem(confirm(apis.acme_channel, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2),
                   403, "forbidden")


def test_a_seller_may_not_plan_waves_pick_pack_or_ship_even_its_own_orders(apis, acme_order):
    wave = plan(apis.wh1_operator)
    pick_list = wave["pick_lists"][0]

    assert_problem(apis.acme.post("/warehouses/WH1/waves", json={}), 403, "forbidden")
    assert_problem(apis.acme.get(f"/waves/{wave['id']}"), 403, "forbidden")
    assert_problem(apis.acme.get(f"/pick-lists/{pick_list['id']}"), 403, "forbidden")
    assert_problem(confirm(apis.acme, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2),
                   403, "forbidden")
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2))
    order = get_order(apis.acme, acme_order["id"])
    assert_problem(apis.acme.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}),
                   403, "forbidden")
    assert get_order(apis.acme, order["id"])["status"] == "picked"


def test_an_operator_of_another_warehouse_gets_not_found_for_its_waves_pick_lists_and_orders(apis, acme_order):
    wave = plan(apis.wh1_operator)
    pick_list = wave["pick_lists"][0]
    wh2 = apis.wh2_operator

    assert_problem(wh2.get(f"/waves/{wave['id']}"), 404, "not_found")
    assert_problem(wh2.get(f"/pick-lists/{pick_list['id']}"), 404, "not_found")
    assert_problem(confirm(wh2, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2), 404, "not_found")
    assert_problem(wh2.post("/warehouses/WH1/waves", json={}), 404, "not_found")
    assert_problem(wh2.get(f"/orders/{acme_order['id']}"), 404, "not_found")
    # Operators may not cancel orders at all (issue 13 D10): refused by role, before any lookup.
    assert_problem(wh2.post(f"/orders/{acme_order['id']}/cancel"), 403, "forbidden")
    assert ok(wh2.get("/orders"))["items"] == []

    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2))
    order = get_order(apis.acme, acme_order["id"])
    assert_problem(wh2.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}), 404, "not_found")
    ok(apis.wh1_operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}))
    assert_problem(wh2.post(f"/orders/{order['id']}/ship", json=SHIP), 404, "not_found")
    assert get_order(apis.acme, order["id"])["status"] == "packed"


def test_an_operator_lists_the_orders_of_its_own_warehouses_only(apis):
    in_wh1 = place(apis.acme, ("A-1", 1), warehouse="WH1")
    in_wh2 = place(apis.acme, ("A-1", 1), warehouse="WH2")
    place(apis.acme, ("A-2", 1))  # backordered, in no warehouse yet

    assert [o["id"] for o in ok(apis.wh1_operator.get("/orders"))["items"]] == [in_wh1["id"]]
    assert [o["id"] for o in ok(apis.wh2_operator.get("/orders"))["items"]] == [in_wh2["id"]]
    assert_problem(apis.wh2_operator.get("/orders", query_string={"warehouse": "WH1"}), 422, "validation_error",
                   "warehouse")


def test_a_wave_of_one_warehouse_never_takes_another_warehouses_stock_or_orders(apis):
    in_wh2 = place(apis.acme, ("A-1", 2), warehouse="WH2")

    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves", json={}), 409, "invalid_state")
    wave = plan(apis.wh2_operator, "WH2")
    assert wave["orders"] == [in_wh2["id"]]
