"""Changing stock: POST /adjustments and POST /moves."""
from __future__ import annotations

from tests.api.conftest import adjustment, assert_problem, move
from wms.ledger.services import reserve_stock


def on_hand(api, location: str, sku: str = "A-1", warehouse: str = "WH1", condition: str = "good") -> int:
    r = api.get("/stock/locations", query_string={"warehouse": warehouse, "location": location})
    assert r.status_code == 200, r.json
    return sum(i["on_hand"] for i in r.json["items"] if i["sku"] == sku and i["condition"] == condition)


def sellable(api, sku: str = "A-1", warehouse: str = "WH1") -> int:
    items = api.get("/stock", query_string={"warehouse": warehouse}).json["items"]
    return sum(i["sellable"] for i in items if i["sku"] == sku)


def test_a_positive_adjustment_adds_stock_and_returns_the_movement(apis, ids):
    r = apis.wh1_operator.post("/adjustments", json=adjustment(qty=4, reason="found", note="behind the rack"))

    assert r.status_code == 201, r.json
    assert r.json["kind"] == "adjustment"
    assert r.json["reason"] == "found" and r.json["note"] == "behind the rack"
    postings = {p["location"]: p for p in r.json["postings"]}
    assert postings["A01-01-1"]["qty"] == 4 and postings["@ADJUSTMENT"]["qty"] == -4
    assert postings["A01-01-1"]["sku"] == "A-1" and postings["A01-01-1"]["sku_id"] == ids["A-1"]
    assert postings["A01-01-1"]["seller"] == "ACME"
    assert on_hand(apis.admin, "A01-01-1") == 14
    assert sellable(apis.acme) == 14
    assert apis.admin.get("/ledger", query_string={"warehouse": "WH1"}).json["items"][-1] == r.json


def test_a_negative_adjustment_takes_stock_away(apis):
    r = apis.wh1_operator.post("/adjustments", json=adjustment(qty=-3, reason="lost"))

    assert r.status_code == 201, r.json
    assert on_hand(apis.admin, "A01-01-1") == 7
    assert sellable(apis.acme) == 7


def test_a_count_adjustment_is_recorded_as_a_count(apis):
    r = apis.admin.post("/adjustments", json=adjustment(qty=-1, reason="count"))

    assert r.status_code == 201
    assert r.json["kind"] == "count"


def test_an_adjustment_may_name_the_sku_by_id(apis, ids):
    r = apis.wh1_operator.post("/adjustments", json=adjustment(sku=ids["B-1"], seller=None, location="A01-02-1", qty=2))

    assert r.status_code == 201, r.json
    assert on_hand(apis.admin, "A01-02-1", sku="B-1") == 9


def test_taking_more_than_is_there_is_insufficient_stock(apis, nothing_written):
    with nothing_written():
        r = apis.wh1_operator.post("/adjustments", json=adjustment(qty=-11, reason="lost"))

    assert_problem(r, 409, "insufficient_stock")
    assert on_hand(apis.admin, "A01-01-1") == 10


def test_an_adjustment_cannot_take_reserved_stock(world, apis, session, nothing_written):
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=world.skus_a[0].id, qty=8)

    with nothing_written():
        r = apis.wh1_operator.post("/adjustments", json=adjustment(qty=-3, reason="damage"))

    assert_problem(r, 409, "insufficient_stock")
    assert apis.wh1_operator.post("/adjustments", json=adjustment(qty=-2, reason="damage")).status_code == 201


def test_a_move_takes_stock_from_one_location_to_another(apis):
    r = apis.wh1_operator.post("/moves", json=move(qty=3))

    assert r.status_code == 201, r.json
    assert r.json["kind"] == "move"
    assert sorted((p["location"], p["qty"]) for p in r.json["postings"]) == [("A01-01-1", -3), ("A01-03-1", 3)]
    assert on_hand(apis.admin, "A01-01-1") == 7
    assert on_hand(apis.admin, "A01-03-1") == 3
    assert sellable(apis.acme) == 10


def test_moving_stock_to_the_pack_station_counts_it_as_picked(apis):
    apis.admin.post("/moves", json=move(to_location="PACK", qty=4))

    item = apis.acme.get("/stock", query_string={"warehouse": "WH1", "sku": "A-1"}).json["items"][0]
    assert (item["sellable"], item["picked"]) == (6, 4)


def test_moving_more_than_is_there_is_insufficient_stock(apis, nothing_written):
    with nothing_written():
        r = apis.wh1_operator.post("/moves", json=move(qty=11))

    assert_problem(r, 409, "insufficient_stock")


def test_moving_stock_that_is_not_in_the_location_is_insufficient_stock(apis, ids, nothing_written):
    with nothing_written():
        r = apis.wh1_operator.post("/moves", json=move(sku=ids["A-2"], seller=None))

    assert_problem(r, 409, "insufficient_stock")


def test_a_move_needs_two_different_physical_locations(apis, nothing_written):
    with nothing_written():
        same = apis.wh1_operator.post("/moves", json=move(to_location="A01-01-1"))
        virtual = apis.wh1_operator.post("/moves", json=move(to_location="@CUSTOMER"))
    assert_problem(same, 422, "validation_error", "to_location")
    assert_problem(virtual, 422, "validation_error", "to_location")

