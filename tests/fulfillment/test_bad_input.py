"""Bad input for every fulfillment endpoint: a problem+json naming the
field, and nothing written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fulfillment.models import Order
from tests.fulfillment.conftest import (
    SHIP_TO_US,
    assert_problem,
    buckets,
    confirm,
    get_order,
    movement_count,
    ok,
    order_body,
    place,
    plan,
    stock_of,
)


def order_count(session) -> int:
    n = session.scalar(select(func.count()).select_from(Order))
    session.commit()
    return n


def without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


# --- POST /orders ---------------------------------------------------------------------

BAD_ORDERS = [
    pytest.param({"ship_to": None}, "ship_to", id="no ship-to"),
    *[pytest.param({"ship_to": without(SHIP_TO_US, f)}, f"ship_to.{f}", id=f"no ship-to {f}")
      for f in ("name", "line1", "city", "postal_code", "country")],
    pytest.param({"ship_to": {**SHIP_TO_US, "name": ""}}, "ship_to.name", id="empty name"),
    pytest.param({"ship_to": {**SHIP_TO_US, "country": "USA"}}, "ship_to.country", id="three-letter country"),
    pytest.param({"ship_to": {**SHIP_TO_US, "country": "us"}}, "ship_to.country", id="lower-case country"),
    pytest.param({"ship_to": {**SHIP_TO_US, "country": 1}}, "ship_to.country", id="numeric country"),
    pytest.param({"ship_to": "Austin"}, "ship_to", id="ship-to not an object"),
    pytest.param({"reference": None}, "reference", id="no reference"),
    pytest.param({"reference": ""}, "reference", id="empty reference"),
    pytest.param({"reference": "R" * 65}, "reference", id="long reference"),
    pytest.param({"lines": None}, "lines", id="no lines"),
    pytest.param({"lines": []}, "lines", id="empty lines"),
    pytest.param({"lines": [{"sku": "NOPE", "qty": 1}]}, "lines.0.sku", id="unknown SKU"),
    pytest.param({"lines": [{"qty": 1}]}, "lines.0.sku", id="no SKU"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 0}]}, "lines.0.qty", id="zero qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": -2}]}, "lines.0.qty", id="negative qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": "2"}]}, "lines.0.qty", id="qty as text"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 1.5}]}, "lines.0.qty", id="fractional qty"),
    pytest.param({"lines": [{"sku": "A-1"}]}, "lines.0.qty", id="no qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 1}, {"sku": "A-2", "qty": 1}, {"sku": "A-1", "qty": 2}]},
                 "lines.2.sku", id="duplicate SKU lines"),
    pytest.param({"warehouse": "NOPE"}, "warehouse", id="unknown warehouse"),
    pytest.param({"ship_by": "tomorrow"}, "ship_by", id="bad ship-by"),
    pytest.param({"ship_by": "2030-01-01T17:00:00"}, "ship_by", id="ship-by without offset"),
    pytest.param({"carrier": ""}, "carrier", id="empty carrier"),
    pytest.param({"surprise": 1}, "surprise", id="unknown field"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_ORDERS)
def test_a_bad_order_is_refused_naming_the_field_and_nothing_is_written(apis, session, nothing_written,
                                                                       overrides, field):
    body = order_body(("A-1", 2), **{k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        body.pop(key, None)
    orders_before = order_count(session)

    with nothing_written():
        assert_problem(apis.acme.post("/orders", json=body), 422, "validation_error", field)

    assert order_count(session) == orders_before
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_an_order_body_that_is_not_json_is_a_bad_request(apis, session):
    before = order_count(session)

    response = apis.acme.post("/orders", data="{not json", headers={"Content-Type": "application/json"})

    assert_problem(response, 400, "bad_request")
    assert order_count(session) == before


def test_listing_orders_by_an_unknown_status_is_refused(apis):
    response = apis.acme.get("/orders", query_string={"status": "lost"})

    assert response.status_code in (400, 422)
    assert "status" in response.get_json()["errors"]


# --- GET and cancel -------------------------------------------------------------------

def test_an_order_that_does_not_exist_is_not_found(apis):
    assert_problem(apis.acme.get("/orders/999999"), 404, "not_found")
    assert_problem(apis.acme.post("/orders/999999/cancel"), 404, "not_found")
    assert_problem(apis.wh1_operator.post("/orders/999999/pack", json={"cartons": [
        {"length_mm": 1, "width_mm": 1, "height_mm": 1, "weight_g": 1, "lines": [{"sku": "A-1", "qty": 1}]}]}),
        404, "not_found")
    assert_problem(apis.wh1_operator.post("/orders/999999/ship", json={"carrier": "UPS", "tracking_number": "1"}),
                   404, "not_found")
    assert_problem(apis.wh1_operator.get("/waves/999999"), 404, "not_found")
    assert_problem(apis.wh1_operator.get("/pick-lists/999999"), 404, "not_found")


# --- pick confirmation ------------------------------------------------------------------

@pytest.fixture
def pick_list(apis) -> dict:
    place(apis.acme, ("A-1", 3))
    return plan(apis.wh1_operator)["pick_lists"][0]


@pytest.mark.parametrize(("body", "field"), [
    ({"barcode": "BA-1", "qty": 3}, "location"),
    ({"location": "", "barcode": "BA-1", "qty": 3}, "location"),
    ({"location": "A01-01-1", "qty": 3}, "barcode"),
    ({"location": "A01-01-1", "barcode": "BA-1", "sku": "A-1", "qty": 3}, "barcode"),
    ({"location": "A01-01-1", "barcode": "BA-1"}, "qty"),
    ({"location": "A01-01-1", "barcode": "BA-1", "qty": -1}, "qty"),
    ({"location": "A01-01-1", "barcode": "BA-1", "qty": "3"}, "qty"),
    ({"location": "A01-01-1", "barcode": "", "qty": 3}, "barcode"),
    ({"location": "A01-01-1", "sku": "NOPE", "qty": 3}, "sku"),
])
def test_a_bad_pick_confirmation_is_refused_naming_the_field(apis, session, pick_list, body, field):
    before = movement_count(session)

    assert_problem(confirm(apis.wh1_operator, pick_list["id"], 1, **body), 422, "validation_error", field)

    assert movement_count(session) == before
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=3)


# --- pack and ship ----------------------------------------------------------------------

@pytest.fixture
def picked_order(apis, pick_list) -> dict:
    ok(confirm(apis.wh1_operator, pick_list["id"], 1, location="A01-01-1", barcode="BA-1", qty=3))
    return get_order(apis.acme, pick_list["picks"][0]["order_id"])


BOX = {"length_mm": 300, "width_mm": 200, "height_mm": 100, "weight_g": 800}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "cartons"),
    ({"cartons": []}, "cartons"),
    ({"cartons": [{**BOX, "lines": []}]}, "cartons.0.lines"),
    ({"cartons": [without(BOX, "weight_g") | {"lines": [{"sku": "A-1", "qty": 3}]}]}, "cartons.0.weight_g"),
    ({"cartons": [{**BOX, "length_mm": 0, "lines": [{"sku": "A-1", "qty": 3}]}]}, "cartons.0.length_mm"),
    ({"cartons": [{**BOX, "height_mm": -1, "lines": [{"sku": "A-1", "qty": 3}]}]}, "cartons.0.height_mm"),
    ({"cartons": [{**BOX, "lines": [{"sku": "A-1", "qty": 0}]}]}, "cartons.0.lines.0.qty"),
    ({"cartons": [{**BOX, "lines": [{"sku": "NOPE", "qty": 3}]}]}, "cartons.0.lines.0.sku"),
    ({"cartons": [{**BOX, "lines": [{"sku": "A-1", "qty": 2}]}]}, "cartons"),
])
def test_a_bad_pack_is_refused_naming_the_field(apis, session, picked_order, body, field):
    before = movement_count(session)

    assert_problem(apis.wh1_operator.post(f"/orders/{picked_order['id']}/pack", json=body),
                   422, "validation_error", field)

    assert movement_count(session) == before
    assert get_order(apis.acme, picked_order["id"])["status"] == "picked"


@pytest.mark.parametrize(("body", "field"), [
    ({"tracking_number": "1Z"}, "carrier"),
    ({"carrier": "UPS"}, "tracking_number"),
    ({"carrier": "", "tracking_number": "1Z"}, "carrier"),
    ({"carrier": "UPS", "tracking_number": ""}, "tracking_number"),
    ({"carrier": "UPS", "tracking_number": "1" * 101}, "tracking_number"),
])
def test_a_bad_shipment_is_refused_naming_the_field(apis, session, picked_order, body, field):
    ok(apis.wh1_operator.post(f"/orders/{picked_order['id']}/pack", json={"cartons": [
        {**BOX, "lines": [{"sku": "A-1", "qty": 3}]}]}))
    before = movement_count(session)

    assert_problem(apis.wh1_operator.post(f"/orders/{picked_order['id']}/ship", json=body),
                   422, "validation_error", field)

    assert movement_count(session) == before
    assert get_order(apis.acme, picked_order["id"])["status"] == "packed"
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7, picked=3)
