"""Cancelling an order: reserved units are released, picked units go back to
storage through putaway tasks, and a shipped order cannot be cancelled."""
from __future__ import annotations

from tests.fulfillment.conftest import (
    assert_problem,
    buckets,
    cartons_for,
    confirm,
    get_order,
    new_key,
    ok,
    on_hand,
    place,
    plan,
    stock_of,
)


def putaway_tasks(api, warehouse: str = "WH1") -> list[dict]:
    return ok(api.get("/tasks", query_string={"warehouse": warehouse, "type": "putaway", "status": "open",
                                              "limit": 500}))["items"]


def picked_order(apis, qty: int = 3) -> dict:
    """An order of qty A-1 from WH1, picked onto the carts."""
    order = place(apis.acme, ("A-1", qty))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    for pick in pick_list["picks"]:
        ok(confirm(apis.wh1_operator, pick_list["id"], pick["seq"], location=pick["location"], barcode="BA-1",
                   qty=pick["qty"]))
    order = get_order(apis.acme, order["id"])
    assert order["status"] == "picked"
    return order


def test_cancelling_an_allocated_order_releases_its_reservation(apis):
    order = place(apis.acme, ("A-1", 4))
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=4)

    cancelled = ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    assert cancelled["status"] == "cancelled"
    assert [(ln["allocated_qty"], ln["picked_qty"]) for ln in cancelled["lines"]] == [(0, 0)]
    assert cancelled["history"][-1]["to_status"] == "cancelled"
    assert cancelled["history"][-1]["actor"] == "test seller"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert putaway_tasks(apis.wh1_operator) == []


def test_cancelling_a_backorder_leaves_the_stock_as_it_was(apis):
    order = place(apis.acme, ("A-1", 50))

    cancelled = ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    assert cancelled["status"] == "cancelled"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    # a cancelled backorder is never allocated afterwards
    ok(apis.wh1_operator.post("/adjustments", json={"warehouse": "WH1", "location": "A01-03-1", "sku": "A-1",
                                                    "seller": "ACME", "qty": 40, "reason": "found"}), 201)
    assert get_order(apis.acme, order["id"])["status"] == "cancelled"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=50)


def test_cancelling_an_order_in_a_wave_takes_its_open_picks_off_the_pick_list(apis):
    order = place(apis.acme, ("A-1", 8))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]

    ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    emptied = ok(apis.wh1_operator.get(f"/pick-lists/{pick_list['id']}"))
    assert emptied["picks"] == []
    assert emptied["status"] == "done"
    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=8),
                   404, "not_found")
    # the units the cancelled picks would have taken go to the next wave
    later = place(apis.acme, ("A-1", 9))
    wave = plan(apis.wh1_operator)
    assert wave["orders"] == [later["id"]]
    assert [(p["location"], p["qty"]) for p in wave["pick_lists"][0]["picks"]] == [("A01-01-1", 9)]


def test_cancelling_a_picked_order_sends_its_units_back_to_storage_with_putaway_tasks(apis):
    order = picked_order(apis, 3)

    cancelled = ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    assert cancelled["status"] == "cancelled"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7, picked=3)  # still on the carts
    [task] = putaway_tasks(apis.wh1_operator)
    assert (task["from_location"], task["sku"], task["qty"], task["source_type"], task["source_id"]) == (
        "CARTS", "A-1", 3, "cancel", order["id"])
    assert task["suggested_location"]

    ok(apis.wh1_operator.post(f"/tasks/{task['id']}/complete",
                              json={"location": task["suggested_location"], "qty": 3},
                              headers={"Idempotency-Key": new_key()}))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert on_hand(apis.admin, "WH1", "CARTS") == {}


def test_cancelling_a_packed_order_sends_its_units_back_from_the_pack_station(apis):
    order = picked_order(apis, 2)
    ok(apis.wh1_operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}))

    ok(apis.admin.post(f"/orders/{order['id']}/cancel"))

    [task] = putaway_tasks(apis.wh1_operator)
    assert (task["from_location"], task["qty"]) == ("PACK", 2)
    ok(apis.wh1_operator.post(f"/tasks/{task['id']}/complete",
                              json={"location": task["suggested_location"], "qty": 2},
                              headers={"Idempotency-Key": new_key()}))
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert on_hand(apis.admin, "WH1", "PACK") == {}


def test_cancelling_a_partly_picked_backorder_returns_what_was_picked(apis):
    order = place(apis.acme, ("A-1", 10))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=7, short_reason="empty"))
    assert get_order(apis.acme, order["id"])["status"] == "backordered"

    ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    [task] = putaway_tasks(apis.wh1_operator)
    assert (task["from_location"], task["qty"]) == ("CARTS", 7)
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=3, picked=7)


def test_a_cancelled_order_cannot_be_cancelled_again_or_packed(apis):
    order = place(apis.acme, ("A-1", 1))
    ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    assert_problem(apis.acme.post(f"/orders/{order['id']}/cancel"), 409, "invalid_state")
    assert_problem(apis.wh1_operator.post(f"/orders/{order['id']}/ship",
                                          json={"carrier": "UPS", "tracking_number": "1"}), 409, "invalid_state")
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_a_cancelled_order_is_not_planned_into_a_wave(apis):
    kept = place(apis.acme, ("A-1", 1))
    dropped = place(apis.acme, ("A-1", 1))
    ok(apis.acme.post(f"/orders/{dropped['id']}/cancel"))

    assert plan(apis.wh1_operator)["orders"] == [kept["id"]]
