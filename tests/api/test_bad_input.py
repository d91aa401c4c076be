"""Bad input: each gets a clear problem+json error naming the field, and
nothing is written."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import adjustment, assert_problem, idempotency_rows, move
from wms.app import create_app
from wms.config import Settings

NEW_SKU = {"code": "N-1", "name": "new", "barcodes": ["N1"]}


def post_raw(api, path: str, data, headers=None):
    return api.client.post(f"/api/v1{path}", data=data, headers={
        "Authorization": f"Bearer {api.token}", "Content-Type": "application/json", **(headers or {})})


@pytest.mark.parametrize("data", ['{"warehouse": "WH1",', "{'single': 'quotes'}", "not json at all", '{"a": 1}}'])
@pytest.mark.parametrize("path", ["/adjustments", "/moves", "/skus", "/tokens", "/warehouses"])
def test_malformed_json_is_a_bad_request(admin_api, nothing_written, path, data):
    with nothing_written():
        r = post_raw(admin_api, path, data)

    assert_problem(r, 400, "bad_request")


def test_malformed_json_in_a_patch_is_a_bad_request(apis, ids, nothing_written):
    with nothing_written():
        r = apis.admin.client.patch(f"/api/v1/skus/{ids['A-1']}", data="{", headers={
            "Authorization": f"Bearer {apis.admin.token}", "Content-Type": "application/json"})
    assert_problem(r, 400, "bad_request")


# (path, body, the field that must be named)
WRONG_TYPES = [
    ("/adjustments", adjustment(qty="4"), "qty"),
    ("/adjustments", adjustment(qty=4.0), "qty"),
    ("/adjustments", adjustment(qty=4.5), "qty"),
    ("/adjustments", adjustment(qty=True), "qty"),
    ("/adjustments", adjustment(qty=[4]), "qty"),
    ("/adjustments", adjustment(sku=True), "sku"),
    ("/adjustments", adjustment(sku={"code": "A-1"}), "sku"),
    ("/adjustments", adjustment(warehouse=1), "warehouse"),
    ("/adjustments", adjustment(reason="stolen"), "reason"),
    ("/adjustments", adjustment(condition="so-so"), "condition"),
    ("/moves", move(qty="3"), "qty"),
    ("/moves", move(qty=3.0), "qty"),
    ("/moves", move(qty=False), "qty"),
    ("/moves", move(from_location=["A01-01-1"]), "from_location"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "barcodes": "N1"}, "barcodes"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "weight_g": "900"}, "weight_g"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "length_mm": 1.5}, "length_mm"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "barcodes": [123]}, "barcodes.0"),
    ("/warehouses", {"code": "UK1", "name": "x", "country": "GB", "timezone": "Mars/Olympus"}, "timezone"),
    ("/warehouses", {"code": "uk 1", "name": "x", "country": "GB", "timezone": "UTC"}, "code"),
    ("/warehouses/WH2/locations", {"locations": {"code": "Z", "kind": "dock"}}, "locations"),
    ("/warehouses/WH2/locations", {"locations": [{"code": "Z", "kind": "dock", "x_mm": "10"}]}, "locations.0.x_mm"),
    ("/warehouses/WH2/layout", {"blocks": "1", "aisles": 1, "bays_per_aisle": 1, "levels": 1}, "blocks"),
    ("/tokens", {"name": "x", "role": "admin", "expires_at": "tomorrow"}, "expires_at"),
    ("/tokens", {"name": "x", "role": "operator", "warehouses": "WH1"}, "warehouses"),
]


@pytest.mark.parametrize(("path", "body", "field"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_is_a_validation_error(admin_api, nothing_written, path, body, field):
    with nothing_written():
        r = admin_api.post(path, json=body)

    assert_problem(r, 422, "validation_error", field)


@pytest.mark.parametrize("path", ["/adjustments", "/moves", "/skus", "/sellers", "/warehouses", "/tokens"])
@pytest.mark.parametrize("body", [[], ["a"], "text", 42, None], ids=["empty list", "list", "string", "number", "null"])
def test_a_body_that_is_not_an_object_is_a_validation_error(admin_api, nothing_written, path, body):
    with nothing_written():
        r = post_raw(admin_api, path, json.dumps(body))

    problem = assert_problem(r, 422, "validation_error")
    assert problem["errors"]


def test_a_patch_body_that_is_a_list_is_a_validation_error(apis, ids, nothing_written):
    with nothing_written():
        r = apis.acme.patch(f"/skus/{ids['A-1']}", json=[{"name": "x"}])
    assert_problem(r, 422, "validation_error")


# (path, body, required fields it lacks)
MISSING = [
    ("/adjustments", {}, ["warehouse", "location", "sku", "qty", "reason"]),
    ("/adjustments", adjustment(qty=None), ["qty"]),
    ("/adjustments", adjustment(reason=None), ["reason"]),
    ("/moves", move(to_location=None), ["to_location"]),
    ("/moves", {}, ["warehouse", "from_location", "to_location", "sku", "qty"]),
    ("/skus", {"seller": "ACME"}, ["code", "name"]),
    ("/sellers", {"name": "x"}, ["code"]),
    ("/warehouses", {"code": "UK1"}, ["name", "country", "timezone"]),
    ("/warehouses/WH2/layout", {"blocks": 1}, ["aisles", "bays_per_aisle", "levels"]),
    ("/warehouses/WH2/locations", {}, ["locations"]),
    ("/warehouses/WH2/locations", {"locations": [{"kind": "dock"}]}, ["locations.0.code"]),
    ("/tokens", {"role": "admin"}, ["name"]),
]


@pytest.mark.parametrize(("path", "body", "fields"), MISSING)
def test_a_missing_required_field_is_named(admin_api, nothing_written, path, body, fields):
    with nothing_written():
        r = admin_api.post(path, json=body)

    assert_problem(r, 422, "validation_error", *fields)


@pytest.mark.parametrize(("path", "body"), [
    ("/adjustments", adjustment(colour="red")),
    ("/moves", move(priority=1)),
    ("/skus", {**NEW_SKU, "seller": "ACME", "colour": "red"}),
    ("/sellers", {"code": "NEW", "name": "n", "colour": "red"}),
    ("/warehouses", {"code": "UK1", "name": "x", "country": "GB", "timezone": "UTC", "colour": "red"}),
    ("/warehouses/WH2/locations", {"locations": [{"code": "Z", "kind": "dock", "colour": "red"}]}),
    ("/tokens", {"name": "x", "role": "admin", "colour": "red"}),
])
def test_an_unknown_field_is_refused(admin_api, nothing_written, path, body):
    with nothing_written():
        r = admin_api.post(path, json=body)

    problem = assert_problem(r, 422, "validation_error")
    assert any(field.endswith("colour") or field.endswith("priority") for field in problem["errors"])


def test_an_unknown_field_in_a_patch_is_refused(apis, ids, nothing_written):
    with nothing_written():
        r = apis.acme.patch(f"/skus/{ids['A-1']}", json={"code": "A-100"})
    assert_problem(r, 422, "validation_error", "code")


# (path, body, field): references to things that do not exist
UNKNOWN_REFERENCES = [
    ("/adjustments", adjustment(sku="NOPE"), "sku"),
    ("/adjustments", adjustment(sku=999999, seller=None), "sku"),
    ("/adjustments", adjustment(seller="NOPE"), "sku"),
    ("/adjustments", adjustment(location="Z99-99-9"), "location"),
    ("/adjustments", adjustment(location="@ADJUSTMENT"), "location"),
    ("/adjustments", adjustment(warehouse="NOPE"), "warehouse"),
    ("/adjustments", adjustment(seller=None), "seller"),
    ("/moves", move(sku="NOPE"), "sku"),
    ("/moves", move(from_location="NOPE"), "from_location"),
    ("/moves", move(to_location="NOPE"), "to_location"),
    ("/moves", move(warehouse="NOPE"), "warehouse"),
    ("/skus", {**NEW_SKU, "seller": "NOPE"}, "seller"),
    ("/tokens", {"name": "x", "role": "seller", "seller": "NOPE"}, "seller"),
    ("/tokens", {"name": "x", "role": "operator", "warehouses": ["NOPE"]}, "warehouses"),
]


@pytest.mark.parametrize(("path", "body", "field"), UNKNOWN_REFERENCES)
def test_a_reference_to_something_unknown_names_the_field(apis, nothing_written, path, body, field):
    with nothing_written():
        r = apis.admin.post(path, json=body)

    assert_problem(r, 422, "validation_error", field)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/adjustments", adjustment(qty=0), "qty"),
    ("/adjustments", adjustment(qty=10_000_000), "qty"),
    ("/moves", move(qty=0), "qty"),
    ("/moves", move(qty=-3), "qty"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "weight_g": -1}, "weight_g"),
    ("/skus", {**NEW_SKU, "seller": "ACME", "height_mm": -5}, "height_mm"),
    ("/warehouses/WH2/locations", {"locations": [{"code": "Z", "kind": "dock", "max_weight_g": 0}]},
     "locations.0.max_weight_g"),
    ("/warehouses/WH2/locations", {"locations": []}, "locations"),
    ("/warehouses/WH2/layout", {"blocks": 0, "aisles": 1, "bays_per_aisle": 1, "levels": 1}, "blocks"),
    ("/warehouses/WH2/layout", {"blocks": 1, "aisles": -1, "bays_per_aisle": 1, "levels": 1}, "aisles"),
])
def test_a_zero_or_negative_quantity_where_none_is_allowed_is_refused(admin_api, nothing_written, path, body, field):
    with nothing_written():
        r = admin_api.post(path, json=body)

    assert_problem(r, 422, "validation_error", field)


def test_a_patch_with_a_bad_value_changes_nothing(apis, ids):
    before = apis.acme.get(f"/skus/{ids['A-1']}").json

    r = apis.acme.patch(f"/skus/{ids['A-1']}", json={"name": "renamed", "weight_g": -1})

    assert_problem(r, 422, "validation_error", "weight_g")
    assert apis.acme.get(f"/skus/{ids['A-1']}").json == before


@pytest.mark.parametrize("query", [{"since": "last tuesday"}, {"since": "2026-01-01T00:00:00"}])
def test_a_bad_time_filter_names_since(admin_api, query):
    assert_problem(admin_api.get("/ledger", query_string=query), 422, "validation_error", "since")


@pytest.fixture
def small_app(database_url, sessionmaker_):
    return create_app({
        "TESTING": True,
        "WMS_SETTINGS": Settings(database_url=database_url, max_body_bytes=1024),
        "WMS_SESSIONMAKER": sessionmaker_,
    })


@pytest.mark.parametrize("idempotency_key", [None, "big-1"])
@pytest.mark.parametrize("path", ["/adjustments", "/skus", "/warehouses/WH1/locations"])
def test_a_body_over_the_size_limit_is_too_large(admin_api, small_app, nothing_written, session, path, idempotency_key):
    body = json.dumps({**adjustment(), "note": "x" * 2000})
    headers = {"Authorization": f"Bearer {admin_api.token}", "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key

    with nothing_written():
        r = small_app.test_client().post(f"/api/v1{path}", data=body, headers=headers)

    assert_problem(r, 413, "too_large")
    assert idempotency_rows(session, "big-1") == []


def test_a_body_under_the_size_limit_is_accepted(apis, small_app):
    headers = {"Authorization": f"Bearer {apis.admin.token}"}

    r = small_app.test_client().post("/api/v1/adjustments", json={**adjustment(), "note": "x" * 500}, headers=headers)

    assert r.status_code == 201, r.json


@pytest.mark.parametrize("path", ["/stock", "/ledger", "/skus", "/sellers", "/warehouses", "/stock/locations"])
def test_a_page_over_five_hundred_rows_is_refused(admin_api, path):
    assert_problem(admin_api.get(path, query_string={"limit": 501}), 422, "validation_error", "limit")
