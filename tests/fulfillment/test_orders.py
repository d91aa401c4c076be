"""Taking orders: all-or-nothing allocation in one warehouse, the choice of
warehouse, references, callers, and the status history."""
from __future__ import annotations

from datetime import datetime

from tests.factories import put_stock
from tests.fulfillment.conftest import (
    SHIP_TO_DE,
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


def lines_of(order: dict) -> list[tuple[str, int, int]]:
    return [(ln["sku"], ln["qty"], ln["allocated_qty"]) for ln in order["lines"]]


# --- all or nothing -----------------------------------------------------------------

def test_an_order_whose_lines_all_fit_is_allocated_with_every_line_reserved(apis, world, session):
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)

    order = place(apis.acme, ("A-1", 6), ("A-2", 4))

    assert order["status"] == "allocated"
    assert order["warehouse"] == "WH1"
    assert lines_of(order) == [("A-1", 6, 6), ("A-2", 4, 4)]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=6)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(sellable=4, reserved=4)


def test_an_order_with_one_line_short_reserves_nothing_and_is_backordered(apis, world, session):
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 2)

    order = place(apis.acme, ("A-1", 6), ("A-2", 3))

    assert order["status"] == "backordered"
    assert order["warehouse"] is None
    assert lines_of(order) == [("A-1", 6, 0), ("A-2", 3, 0)]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(sellable=2)
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5)


def test_an_order_is_never_split_across_warehouses(apis):
    # WH1 holds 10 A-1 and WH2 holds 5: 12 would fit only across both.
    order = place(apis.acme, ("A-1", 12))

    assert order["status"] == "backordered"
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0
    assert stock_of(apis.acme, "WH2", "A-1")["reserved"] == 0


def test_lines_of_an_order_are_not_reserved_in_different_warehouses(apis, world, session):
    put_stock(session, world.wh2, "A01-02-1", world.skus_a[1], 3)  # A-2 only in WH2, A-1 in both

    order = place(apis.acme, ("A-1", 7), ("A-2", 1))  # 7 A-1 only fit in WH1, A-2 only in WH2

    assert order["status"] == "backordered"
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0
    assert stock_of(apis.acme, "WH2", "A-2")["reserved"] == 0


def test_units_reserved_for_one_order_are_not_available_to_the_next(apis):
    first = place(apis.acme, ("A-1", 8), warehouse="WH1")
    second = place(apis.acme, ("A-1", 3), warehouse="WH1")
    third = place(apis.acme, ("A-1", 2), warehouse="WH1")

    assert [first["status"], second["status"], third["status"]] == ["allocated", "backordered", "allocated"]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=10)


# --- which warehouse ---------------------------------------------------------------

def test_an_order_ships_from_the_warehouse_in_the_ship_to_country(apis):
    # WH1 (US) holds more A-1 than WH2 (DE), but the parcel goes to Germany.
    order = place(apis.acme, ("A-1", 3), ship_to=SHIP_TO_DE)

    assert order["warehouse"] == "WH2"
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, reserved=3)
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0


def test_a_us_order_ships_from_the_us_warehouse_even_with_more_stock_elsewhere(apis, world, session):
    put_stock(session, world.wh2, "A01-02-1", world.skus_a[0], 50)

    order = place(apis.acme, ("A-1", 3))

    assert order["warehouse"] == "WH1"


def test_when_the_ship_to_country_cannot_ship_it_the_warehouse_that_can_is_chosen(apis):
    # WH2 (DE) holds only 5 A-1: 7 for Germany come from WH1.
    order = place(apis.acme, ("A-1", 7), ship_to=SHIP_TO_DE)

    assert order["status"] == "allocated"
    assert order["warehouse"] == "WH1"


def test_with_no_warehouse_in_the_ship_to_country_the_one_with_the_most_stock_is_chosen(apis, world, session):
    to_france = {**SHIP_TO_DE, "city": "Paris", "postal_code": "75001", "country": "FR"}
    assert place(apis.acme, ("A-1", 2), ship_to=to_france)["warehouse"] == "WH1"  # 10 against 5

    put_stock(session, world.wh2, "A01-02-1", world.skus_a[0], 20)
    assert place(apis.acme, ("A-1", 2), ship_to=to_france)["warehouse"] == "WH2"  # 25 against 8


def test_a_named_warehouse_is_honoured_even_far_from_the_ship_to_country(apis):
    order = place(apis.acme, ("A-1", 2), warehouse="WH2")  # shipping to the US

    assert order["status"] == "allocated"
    assert order["warehouse"] == "WH2"
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, reserved=2)
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0


def test_a_named_warehouse_without_the_stock_backorders_rather_than_shipping_from_another(apis):
    order = place(apis.acme, ("A-1", 6), warehouse="WH2")  # WH1 could, WH2 holds 5

    assert order["status"] == "backordered"
    assert order["warehouse"] == "WH2"
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0
    assert stock_of(apis.acme, "WH2", "A-1")["reserved"] == 0


# --- references and callers ----------------------------------------------------------

def test_a_reference_is_unique_per_seller(apis, world, session, nothing_written):
    put_stock(session, world.wh1, "A02-01-1", world.skus_b[1], 5)
    place(apis.acme, ("A-1", 1), reference="SO-42")

    with nothing_written():
        body = assert_problem(apis.acme.post("/orders", json=order_body(("A-1", 1), reference="SO-42")),
                              409, "conflict", "reference")
    assert "SO-42" in body["detail"]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=1)
    assert place(apis.beta, ("B-2", 1), reference="SO-42")["status"] == "allocated"  # another seller's is fine
    assert len(ok(apis.acme.get("/orders"))["items"]) == 1


def test_an_admin_places_an_order_for_a_named_seller(apis):
    order = place(apis.admin, ("A-1", 2), seller="ACME")

    assert order["seller"] == "ACME"
    assert order["status"] == "allocated"
    assert_problem(apis.admin.post("/orders", json=order_body(("A-1", 2))), 422, "validation_error", "seller")


def test_a_seller_cannot_place_an_order_for_another_seller(apis):
    assert_problem(apis.acme.post("/orders", json=order_body(("B-1", 1), seller="BETA")),
                   422, "validation_error", "seller")
    # and another seller's SKU is simply unknown to it
    assert_problem(apis.acme.post("/orders", json=order_body(("B-1", 1))), 422, "validation_error", "lines.0.sku")


def test_an_order_line_may_name_the_sku_by_id(apis, world):
    order = place(apis.acme, (world.skus_a[0].id, 2))

    assert lines_of(order) == [("A-1", 2, 2)]
    assert order["lines"][0]["sku_id"] == world.skus_a[0].id


def test_a_channel_token_places_orders_for_its_seller_from_its_channel(apis):
    order = place(apis.acme_channel, ("A-1", 2))

    assert order["seller"] == "ACME"
    assert order["channel"] == 1
    assert order["status"] == "allocated"
    assert get_order(apis.acme_channel, order["id"])["id"] == order["id"]
    assert get_order(apis.acme, order["id"])["channel"] == 1


def test_an_operator_may_not_take_orders(apis):
    assert_problem(apis.wh1_operator.post("/orders", json=order_body(("A-1", 1), seller="ACME")), 403, "forbidden")


def test_orders_are_listed_by_status(apis):
    allocated = place(apis.acme, ("A-1", 2))
    backordered = place(apis.acme, ("A-1", 50))

    def ids(**query):
        return [o["id"] for o in ok(apis.acme.get("/orders", query_string=query))["items"]]

    assert ids() == [allocated["id"], backordered["id"]]
    assert ids(status="allocated") == [allocated["id"]]
    assert ids(status="backordered") == [backordered["id"]]
    assert ids(status="shipped") == []


# --- status history ------------------------------------------------------------------

def test_every_change_of_status_is_recorded_with_its_time_and_actor(apis):
    seller, operator = apis.acme, apis.wh1_operator
    order = place(seller, ("A-1", 2))
    wave = plan(operator)
    pick_list = wave["pick_lists"][0]
    ok(confirm(operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=2))
    order = get_order(seller, order["id"])
    ok(operator.post(f"/orders/{order['id']}/pack", json={"cartons": cartons_for(order)}))
    ok(apis.admin.post(f"/orders/{order['id']}/ship", json={"carrier": "UPS", "tracking_number": "1Z7"}))

    history = get_order(seller, order["id"])["history"]

    assert [(e["from_status"], e["to_status"], e["actor"]) for e in history] == [
        (None, "allocated", "test seller"),
        ("allocated", "picking", "test operator"),
        ("picking", "picked", "test operator"),
        ("picked", "packed", "test operator"),
        ("packed", "shipped", "test admin"),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in history]
    assert times == sorted(times)
    assert all(t.utcoffset().total_seconds() == 0 for t in times)
    assert f"wave {wave['id']}" in history[1]["note"]
    assert "1Z7" in history[4]["note"]


def test_a_backorder_allocated_by_arriving_stock_records_the_system_as_its_actor(apis):
    order = place(apis.acme, ("A-1", 12), warehouse="WH1")
    ok(apis.wh1_operator.post("/adjustments", json={"warehouse": "WH1", "location": "A01-03-1", "sku": "A-1",
                                                    "seller": "ACME", "qty": 2, "reason": "found"}), 201)
    ok(apis.acme.post(f"/orders/{order['id']}/cancel"))

    history = get_order(apis.acme, order["id"])["history"]

    assert [(e["from_status"], e["to_status"], e["actor"]) for e in history] == [
        (None, "backordered", "test seller"),
        ("backordered", "allocated", "system"),
        ("allocated", "cancelled", "test seller"),
    ]
    assert history[1]["note"] == "stock arrived"
