"""The whole order-to-ship flow through the API, with the stock buckets a
seller sees at every step and the movements the ledger records."""
from __future__ import annotations

from tests.fulfillment.conftest import (
    assert_problem,
    buckets,
    cartons_for,
    confirm,
    get_order,
    ok,
    on_hand,
    place,
    plan,
    stock_of,
)


def test_an_order_goes_from_reserved_to_picked_to_gone_and_the_ledger_shows_pick_pack_and_ship(apis):
    seller, operator = apis.acme, apis.wh1_operator
    before = ok(seller.get("/ledger", query_string={"warehouse": "WH1", "sku": "A-1", "limit": 500}))["items"]

    order = place(seller, ("A-1", 3), carrier="UPS", service_level="ground",
                  ship_by="2030-01-01T17:00:00+00:00")
    assert order["status"] == "allocated"
    assert order["warehouse"] == "WH1"
    assert order["carrier"] == "UPS" and order["service_level"] == "ground"
    assert order["ship_by"] == "2030-01-01T17:00:00+00:00"
    assert [(ln["sku"], ln["qty"], ln["allocated_qty"], ln["picked_qty"]) for ln in order["lines"]] == [
        ("A-1", 3, 3, 0)]
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=10, reserved=3)

    wave = plan(operator)
    assert wave["orders"] == [order["id"]]
    [pick_list] = wave["pick_lists"]
    assert [(p["seq"], p["location"], p["sku"], p["qty"], p["order_id"]) for p in pick_list["picks"]] == [
        (1, "A01-01-1", "A-1", 3, order["id"])]
    assert get_order(seller, order["id"])["status"] == "picking"
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=10, reserved=3)

    picked = ok(confirm(operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=3))
    assert picked["status"] == "done"
    assert [(p["status"], p["picked_qty"]) for p in picked["picks"]] == [("picked", 3)]
    order = get_order(seller, order["id"])
    assert order["status"] == "picked"
    assert order["lines"][0]["picked_qty"] == 3
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=7, picked=3)
    assert on_hand(apis.admin, "WH1", "A01-01-1") == {"A-1": 7}
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 3}

    packed = ok(operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}))
    assert packed["status"] == "packed"
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=7, picked=3)
    assert on_hand(apis.admin, "WH1", "CARTS") == {}
    assert on_hand(apis.admin, "WH1", "PACK") == {"A-1": 3}

    shipped = ok(operator.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1Z999"}))
    assert shipped["status"] == "shipped"
    assert shipped["tracking_number"] == "1Z999"
    assert shipped["shipped_at"] is not None
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=7)
    assert on_hand(apis.admin, "WH1", "PACK") == {}

    after = ok(seller.get("/ledger", query_string={"warehouse": "WH1", "sku": "A-1", "limit": 500}))["items"]
    new = [m for m in after if m["id"] not in {b["id"] for b in before}]
    assert [m["kind"] for m in new] == ["pick", "pack", "ship"]
    for movement in new:
        assert movement["reference"] == f"order:{order['id']}"
        assert sum(p["qty"] for p in movement["postings"]) == 0
    moves = {m["kind"]: sorted((p["location"], p["qty"]) for p in m["postings"]) for m in new}
    assert moves == {
        "pick": [("A01-01-1", -3), ("CARTS", 3)],
        "pack": [("CARTS", -3), ("PACK", 3)],
        "ship": [("@CUSTOMER", 3), ("PACK", -3)],
    }


def test_an_order_of_two_skus_is_picked_packed_in_two_cartons_and_shipped(apis, world, session):
    from tests.factories import put_stock

    put_stock(session, world.wh1, "A02-03-1", world.skus_a[1], 6)
    seller, operator = apis.acme, apis.wh1_operator
    order = place(seller, ("A-1", 2), ("A-2", 4))
    assert order["status"] == "allocated"
    assert stock_of(seller, "WH1", "A-2") == buckets(sellable=6, reserved=4)

    wave = plan(operator)
    for pick_list in wave["pick_lists"]:
        for pick in pick_list["picks"]:
            ok(confirm(operator, pick_list["id"], pick["seq"], location=pick["location"], sku=pick["sku"],
                       qty=pick["qty"]))
    order = get_order(seller, order["id"])
    assert order["status"] == "picked"
    carton = {"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 900}
    packed = ok(operator.post(f"/orders/{order['id']}/pack", json={"cartons": [
        {**carton, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 1}]},
        {**carton, "lines": [{"sku": "A-2", "qty": 3}]},
    ]}))
    assert packed["status"] == "packed"
    ok(operator.post(f"/orders/{order['id']}/ship", json={"carrier": "DHL", "tracking_number": "JD0001"}))

    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=8)
    assert stock_of(seller, "WH1", "A-2") == buckets(sellable=2)


def test_a_shipped_order_is_final(apis):
    seller, operator = apis.acme, apis.wh1_operator
    order = place(seller, ("A-1", 1))
    wave = plan(operator)
    pick = wave["pick_lists"][0]["picks"][0]
    ok(confirm(operator, wave["pick_lists"][0]["id"], 1, location=pick["location"], barcode="BA-1", qty=1))
    order = get_order(seller, order["id"])
    ok(operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}))
    ok(operator.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1Z1"}))

    assert_problem(seller.post(f"/orders/{order['id']}/cancel"), 409, "invalid_state")
    assert_problem(apis.admin.post(f"/orders/{order['id']}/cancel"), 409, "invalid_state")
    assert_problem(operator.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1Z2"}),
                   409, "invalid_state")
    assert_problem(operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}),
                   409, "invalid_state")
    final = get_order(seller, order["id"])
    assert final["status"] == "shipped"
    assert final["tracking_number"] == "1Z1"
    assert stock_of(seller, "WH1", "A-1") == buckets(sellable=9)


def test_an_order_is_packed_only_once_picked_and_shipped_only_once_packed(apis):
    seller, operator = apis.acme, apis.wh1_operator
    order = place(seller, ("A-1", 1))
    body = {"cartons": [{"length_mm": 100, "width_mm": 100, "height_mm": 100, "weight_g": 100,
                         "lines": [{"sku": "A-1", "qty": 1}]}]}

    assert_problem(operator.post(f"/orders/{order['id']}/pack", json=body), 409, "invalid_state")
    assert_problem(operator.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1"}),
                   409, "invalid_state")
    assert get_order(seller, order["id"])["status"] == "allocated"
