"""Picking by scan: the bin and the item are checked, confirmed units move
from the bin to the pick carts and consume the reservation, a retried scan
picks once, and a short pick is recorded, counted and re-allocated."""
from __future__ import annotations

import pytest

from tests.factories import put_stock
from tests.fulfillment.conftest import (
    assert_problem,
    buckets,
    cartons_for,
    confirm,
    get_order,
    movement_count,
    ok,
    on_hand,
    place,
    plan,
    stock_of,
)


@pytest.fixture
def picking(apis) -> dict:
    """One order of 3 A-1 in a wave: one pick at WH1 A01-01-1 (which holds 10)."""
    order = place(apis.acme, ("A-1", 3))
    wave = plan(apis.wh1_operator)
    [pick_list] = wave["pick_lists"]
    assert [(p["location"], p["sku"], p["qty"]) for p in pick_list["picks"]] == [("A01-01-1", "A-1", 3)]
    return {"order": order, "pick_list": pick_list}


def pick_list_of(api, pick_list_id: int) -> dict:
    return ok(api.get(f"/pick-lists/{pick_list_id}"))


def count_tasks(api, warehouse: str = "WH1") -> list[dict]:
    return ok(api.get("/tasks", query_string={"warehouse": warehouse, "type": "count", "status": "open"}))["items"]


# --- scanning the wrong thing ----------------------------------------------------------

def test_a_scan_of_the_wrong_bin_is_refused_naming_the_right_one(apis, session, picking):
    pick_list = picking["pick_list"]
    before = movement_count(session)

    body = assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-02-1", barcode="BA-1", qty=3),
                          422, "validation_error", "location")

    assert "A01-01-1" in body["errors"]["location"]
    assert "A01-02-1" in body["errors"]["location"]
    assert movement_count(session) == before
    assert pick_list_of(apis.wh1_operator, pick_list["id"])["picks"][0]["status"] == "open"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=3)


def test_a_scan_of_an_unknown_bin_is_refused(apis, session, picking):
    before = movement_count(session)

    assert_problem(confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="Z99-99-9", barcode="BA-1",
                           qty=3), 422, "validation_error", "location")
    assert movement_count(session) == before


def test_a_scan_of_the_wrong_item_is_refused_naming_the_item_to_pick(apis, world, session, picking):
    pick_list = picking["pick_list"]
    before = movement_count(session)

    by_barcode = assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-2",
                                        qty=3), 422, "validation_error", "barcode")
    by_code = assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", sku="A-2", qty=3),
                             422, "validation_error", "sku")

    assert "A-1" in by_barcode["errors"]["barcode"] and "A-2" in by_barcode["errors"]["barcode"]
    assert "A-1" in by_code["errors"]["sku"]
    assert movement_count(session) == before
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=3)


def test_an_unknown_barcode_and_another_sellers_barcode_are_unknown(apis, session, picking):
    pick_list = picking["pick_list"]
    before = movement_count(session)

    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="NOPE", qty=3),
                   422, "unknown_barcode", "barcode")
    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BB-1", qty=3),
                   422, "unknown_barcode", "barcode")
    assert movement_count(session) == before


def test_picking_more_than_asked_is_refused(apis, session, picking):
    before = movement_count(session)

    body = assert_problem(confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="A01-01-1",
                                  barcode="BA-1", qty=4), 422, "validation_error", "qty")

    assert "3" in body["errors"]["qty"]
    assert movement_count(session) == before
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=3)


def test_an_unknown_pick_is_not_found_and_a_confirmed_one_is_not_picked_again(apis, picking):
    pick_list = picking["pick_list"]

    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 9, location="A01-01-1", barcode="BA-1", qty=1),
                   404, "not_found")
    assert_problem(confirm(apis.wh1_operator, 999_999, 1, location="A01-01-1", barcode="BA-1", qty=1),
                   404, "not_found")
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=3))
    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=3),
                   409, "invalid_state")
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7, picked=3)


# --- idempotency ------------------------------------------------------------------------

def test_the_same_idempotency_key_ten_times_picks_once(apis, session, picking):
    pick_list = picking["pick_list"]
    before = movement_count(session, "pick")

    responses = [confirm(apis.wh1_operator, pick_list["id"], 1, key="scan-42", location="A01-01-1", barcode="BA-1",
                         qty=3) for _ in range(10)]

    assert [r.status_code for r in responses] == [200] * 10
    assert "Idempotent-Replayed" not in responses[0].headers
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in responses[1:])
    assert all(r.get_json() == responses[0].get_json() for r in responses)
    assert movement_count(session, "pick") == before + 1
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7, picked=3)
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 3}


def test_a_pick_confirmation_without_an_idempotency_key_is_refused(apis, session, picking):
    before = movement_count(session)

    response = apis.wh1_operator.post(f"/pick-lists/{picking['pick_list']['id']}/picks/1/confirm",
                                      json={"location": "A01-01-1", "barcode": "BA-1", "qty": 3})

    assert_problem(response, 400, "bad_request", "Idempotency-Key")
    assert movement_count(session) == before
    assert pick_list_of(apis.wh1_operator, picking["pick_list"]["id"])["picks"][0]["status"] == "open"


# --- the reservation becomes picked -----------------------------------------------------

def test_a_confirmed_pick_moves_units_to_the_carts_and_consumes_the_reservation(apis, picking):
    ok(confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="A01-01-1", sku="A-1", qty=3))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7, picked=3)
    assert on_hand(apis.admin, "WH1", "A01-01-1") == {"A-1": 7}
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 3}
    order = get_order(apis.acme, picking["order"]["id"])
    assert order["status"] == "picked"
    assert [(ln["allocated_qty"], ln["picked_qty"]) for ln in order["lines"]] == [(3, 3)]


def test_a_pick_list_of_several_orders_is_done_once_every_pick_is_confirmed(apis, world, session):
    put_stock(session, world.wh1, "A03-05-2", world.skus_a[1], 5)
    first = place(apis.acme, ("A-1", 2))
    second = place(apis.acme, ("A-2", 1))
    wave = plan(apis.wh1_operator, cart_capacity_units=10)
    [pick_list] = wave["pick_lists"]
    assert sorted(wave["orders"]) == [first["id"], second["id"]]

    first_pick, second_pick = pick_list["picks"]
    ok(confirm(apis.wh1_operator, pick_list["id"], first_pick["seq"], location=first_pick["location"],
               sku=first_pick["sku"], qty=first_pick["qty"]))
    assert pick_list_of(apis.wh1_operator, pick_list["id"])["status"] == "open"
    ok(confirm(apis.wh1_operator, pick_list["id"], second_pick["seq"], location=second_pick["location"],
               sku=second_pick["sku"], qty=second_pick["qty"]))

    assert pick_list_of(apis.wh1_operator, pick_list["id"])["status"] == "done"
    assert [get_order(apis.acme, o["id"])["status"] for o in (first, second)] == ["picked", "picked"]


# --- short picks ------------------------------------------------------------------------

def test_a_short_pick_raises_a_count_and_takes_the_rest_from_another_bin(apis, world, session):
    put_stock(session, world.wh1, "A02-05-1", world.skus_a[0], 6)
    order = place(apis.acme, ("A-1", 8))
    wave = plan(apis.wh1_operator)
    [pick_list] = wave["pick_lists"]
    assert [(p["seq"], p["location"], p["qty"]) for p in pick_list["picks"]] == [(1, "A01-01-1", 8)]

    after_short = ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=5,
                             short_reason="empty"))

    assert [(p["seq"], p["location"], p["qty"], p["picked_qty"], p["status"]) for p in after_short["picks"]] == [
        (1, "A01-01-1", 8, 5, "short"),
        (2, "A02-05-1", 3, 0, "open"),
    ]
    assert after_short["status"] == "open"
    [count] = count_tasks(apis.wh1_operator)
    assert (count["from_location"], count["sku"], count["qty"], count["source_type"]) == (
        "A01-01-1", "A-1", 3, "short_pick")
    assert get_order(apis.acme, order["id"])["status"] == "picking"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=11, reserved=3, picked=5)

    done = ok(confirm(apis.wh1_operator, pick_list["id"], 2, location="A02-05-1", barcode="BA-1", qty=3))

    assert done["status"] == "done"
    picked = get_order(apis.acme, order["id"])
    assert picked["status"] == "picked"
    assert [(ln["allocated_qty"], ln["picked_qty"]) for ln in picked["lines"]] == [(8, 8)]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=8, picked=8)
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 8}


def test_the_cycle_count_of_a_short_picked_bin_posts_the_loss_and_closes_the_count_task(apis, world, session):
    put_stock(session, world.wh1, "A02-05-1", world.skus_a[0], 6)
    place(apis.acme, ("A-1", 8))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=5,
                             short_reason="empty"))
    [count] = ok(apis.wh1_operator.get("/counts", query_string={"status": "open"}))["items"]
    assert count["locations"] == ["A01-01-1"]

    submitted = ok(apis.wh1_operator.post(f"/counts/{count['id']}/submit", json={"lines": []}))

    assert [(v["location"], v["sku"], v["variance"], v["status"]) for v in submitted["variances"]] == [
        ("A01-01-1", "A-1", -5, "posted")]
    assert count_tasks(apis.wh1_operator) == []
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=6, reserved=3, picked=5)


def test_a_short_pick_with_no_other_stock_releases_the_rest_and_backorders_the_order(apis):
    order = place(apis.acme, ("A-1", 10))  # every A-1 of WH1, all in A01-01-1
    wave = plan(apis.wh1_operator)
    [pick_list] = wave["pick_lists"]

    after_short = ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=6,
                             short_reason="empty"))

    assert [(p["seq"], p["status"], p["picked_qty"]) for p in after_short["picks"]] == [(1, "short", 6)]
    assert after_short["status"] == "done"
    backordered = get_order(apis.acme, order["id"])
    assert backordered["status"] == "backordered"
    assert [(ln["qty"], ln["allocated_qty"], ln["picked_qty"]) for ln in backordered["lines"]] == [(10, 6, 6)]
    assert backordered["history"][-1]["to_status"] == "backordered"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=4, picked=6)  # the 4 wait for the count
    [count] = count_tasks(apis.wh1_operator)
    assert (count["from_location"], count["qty"]) == ("A01-01-1", 4)
    assert on_hand(apis.admin, "WH1", "CARTS") == {"A-1": 6}


def test_a_short_picked_backorder_is_finished_once_stock_arrives(apis):
    order = place(apis.acme, ("A-1", 10))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=6,
                             short_reason="empty"))
    # the count finds the bin empty, and new stock is found elsewhere
    ok(apis.wh1_operator.post("/adjustments", json={"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1",
                                                    "seller": "ACME", "qty": -4, "reason": "count"}), 201)
    assert get_order(apis.acme, order["id"])["status"] == "backordered"
    ok(apis.wh1_operator.post("/adjustments", json={"warehouse": "WH1", "location": "A02-02-2", "sku": "A-1",
                                                    "seller": "ACME", "qty": 5, "reason": "found"}), 201)

    allocated = get_order(apis.acme, order["id"])
    assert allocated["status"] == "allocated"
    assert [(ln["allocated_qty"], ln["picked_qty"]) for ln in allocated["lines"]] == [(10, 6)]
    wave = plan(apis.wh1_operator)
    assert [(p["location"], p["qty"]) for p in wave["pick_lists"][0]["picks"]] == [("A02-02-2", 4)]
    ok(confirm(apis.wh1_operator, wave["pick_lists"][0]["id"], 1, location="A02-02-2", barcode="BA-1", qty=4))
    picked = get_order(apis.acme, order["id"])
    assert picked["status"] == "picked"
    ok(apis.wh1_operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(picked)}))
    ok(apis.wh1_operator.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1Z5"}))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=1)


def test_a_pick_confirmed_with_nothing_found_is_a_short_pick_of_all_of_it(apis, session, picking):
    before = movement_count(session, "pick")

    after = ok(confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="A01-01-1", barcode="BA-1", qty=0,
                       short_reason="empty"))

    assert movement_count(session, "pick") == before  # nothing moved
    assert after["picks"][0]["status"] == "short"
    assert len(count_tasks(apis.wh1_operator)) == 1
    assert get_order(apis.acme, picking["order"]["id"])["status"] == "backordered"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_a_short_pick_without_a_reason_is_asked_about_and_changes_nothing(apis, session, picking):
    before = movement_count(session, "pick")

    response = confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="A01-01-1", barcode="BA-1", qty=1)

    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "short_pick" and "short_reason" in body["errors"]

    assert "taking 1 of 3 × A-1 from A01-01-1 is a short pick" in body["detail"]
    assert movement_count(session, "pick") == before
    assert pick_list_of(apis.wh1_operator, picking["pick_list"]["id"])["picks"][0]["status"] == "open"
    assert count_tasks(apis.wh1_operator) == []


def test_an_empty_bin_is_short_picked_without_an_item_scan_and_its_reason_recorded(apis, session, picking):
    after = ok(confirm(apis.wh1_operator, picking["pick_list"]["id"], 1, location="A01-01-1", qty=0,
                       short_reason="empty"))

    assert (after["picks"][0]["status"], after["picks"][0]["short_reason"]) == ("short", "empty")
    [count] = count_tasks(apis.wh1_operator)
    assert count["from_location"] == "A01-01-1"


def test_taking_units_needs_the_item_and_a_reason_must_be_known(apis, session, picking):
    pick_list_id = picking["pick_list"]["id"]
    before = movement_count(session, "pick")

    assert_problem(confirm(apis.wh1_operator, pick_list_id, 1, location="A01-01-1", qty=3), 422,
                   "validation_error", "barcode")
    assert_problem(confirm(apis.wh1_operator, pick_list_id, 1, location="A01-01-1", qty=0, short_reason="lazy"),
                   422, "validation_error", "short_reason")

    assert movement_count(session, "pick") == before
