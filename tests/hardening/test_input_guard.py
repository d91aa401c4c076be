"""Issue 13 D3-D5: odd input is a 4xx problem+json naming the field, the
same on SQLite and PostgreSQL, and writes nothing: integers beyond the
columns (paths, queries, cursors, bodies), NUL and other control
characters, lone surrogates, deep or non-standard JSON, unreadable bodies."""
from __future__ import annotations

import base64
import io

import pytest

from tests.api.conftest import assert_problem
from tests.fulfillment.conftest import order_body, place

BIG = 2**31
NEW_SKU = {"code": "N-1", "name": "new"}


def raw(api, path, data, method="post", headers=None):
    return getattr(api.client, method)(f"/api/v1{path}", data=data, headers={
        "Authorization": f"Bearer {api.token}", "Content-Type": "application/json", **(headers or {})})


def cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"id:{value}".encode()).decode().rstrip("=")


# --- integers beyond the columns --------------------------------------------------

@pytest.mark.parametrize("path", ["/skus/{}", "/asns/{}", "/orders/{}", "/tasks/{}", "/transfers/{}", "/counts/{}",
                                  "/waves/{}", "/pick-lists/{}"])
@pytest.mark.parametrize("value", [BIG, 2**63, 10**30])
def test_ids_beyond_the_column_in_paths_are_not_found(apis, path, value):
    assert_problem(apis.acme.get(path.format(value)), 404, "not_found")
    assert_problem(apis.admin.get(path.format(value)), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [("patch", "/skus/{}"), ("post", "/orders/{}/cancel"),
                                              ("post", "/asns/{}/close")])
def test_ids_beyond_the_column_in_actions_are_not_found(apis, nothing_written, method, path):
    with nothing_written():
        r = getattr(apis.admin, method)(path.format(BIG), json={})
    assert_problem(r, 404, "not_found")


@pytest.mark.parametrize("path", ["/stock", "/stock/locations", "/ledger"])
def test_a_sku_id_beyond_the_column_in_a_query_is_an_unknown_sku(apis, path):
    assert_problem(apis.acme.get(path, query_string={"sku": str(BIG)}), 422, "validation_error", "sku")


@pytest.mark.parametrize("path", ["/orders", "/asns", "/skus", "/tasks", "/tokens"])
def test_a_cursor_beyond_the_column_is_a_bad_request(apis, path):
    assert_problem(apis.admin.get(path, query_string={"cursor": cursor(BIG)}), 400, "bad_request", "cursor")


def test_ledger_cursors_go_to_bigint_and_no_further(apis):
    r = apis.admin.get("/ledger", query_string={"cursor": cursor(BIG)})
    assert r.status_code == 200 and r.get_json()["items"] == []
    assert_problem(apis.admin.get("/ledger", query_string={"cursor": cursor(2**63)}), 400, "bad_request", "cursor")


BODIES = [
    ("acme_channel", "/orders", order_body(lines=[{"sku": BIG, "qty": 1}]), "lines.0.sku"),
    ("acme", "/orders", order_body(lines=[{"sku": str(BIG), "qty": 1}]), "lines.0.sku"),
    ("acme", "/orders", order_body(channel=BIG), "channel"),
    ("acme", "/skus", {**NEW_SKU, "customs_value_cents": BIG}, "customs_value_cents"),
    ("acme", "/skus", {**NEW_SKU, "weight_g": 2**64}, "weight_g"),
    ("admin", "/adjustments", {"warehouse": "WH1", "location": "A01-01-1", "sku": 2**63, "seller": "ACME", "qty": 1,
                               "reason": "found"}, "sku"),
    ("admin", "/tokens", {"name": "x", "role": "channel", "seller": "ACME", "channel": BIG}, "channel"),
    ("admin", "/warehouses/WH2/locations", {"locations": [{"code": "Z", "kind": "dock", "x_mm": BIG}]},
     "locations.0.x_mm"),
]


@pytest.mark.parametrize(("who", "path", "body", "field"), BODIES, ids=[f"{p} {f}" for _, p, _, f in BODIES])
def test_integers_beyond_the_columns_in_bodies_are_validation_errors(apis, nothing_written, who, path, body, field):
    with nothing_written():
        r = apis[who].post(path, json=body)
    assert_problem(r, 422, "validation_error", field)


def test_volumes_kept_in_bigint_columns_may_pass_32_bits(apis):
    r = apis.admin.post("/warehouses/WH2/locations", json={"locations": [
        {"code": "BIG-1", "kind": "storage", "max_volume_mm3": 3_000_000_000}]})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = apis.admin.post("/warehouses/WH2/locations", json={"locations": [
        {"code": "BIG-2", "kind": "storage", "max_volume_mm3": 2**63}]})
    assert_problem(r, 422, "validation_error", "locations.0.max_volume_mm3")


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1e308"])
def test_huge_or_infinite_numbers_are_validation_errors(apis, nothing_written, number):
    with nothing_written():
        r = raw(apis.acme, "/skus", '{"code": "N-1", "name": "n", "weight_g": ' + number + '}')
    assert_problem(r, 422, "validation_error", "weight_g")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_bad_requests(apis, nothing_written, constant):
    with nothing_written():
        r = raw(apis.acme, "/skus", '{"code": "N-1", "name": "n", "weight_g": ' + constant + '}')
    assert_problem(r, 400, "bad_request")


# --- control characters and lone surrogates --------------------------------------

STRING_FIELDS = [
    ("acme", "/skus", {**NEW_SKU, "name": "a\x00b"}, "name"),
    ("acme", "/skus", {**NEW_SKU, "code": "N\x00"}, "code"),
    ("acme", "/skus", {**NEW_SKU, "barcodes": ["12\x003"]}, "barcodes.0"),
    ("acme", "/orders", order_body(reference="R\x00"), "reference"),
    ("acme", "/orders", order_body(ship_to={"name": "x\x1b", "line1": "x", "city": "x", "postal_code": "x",
                                            "country": "US"}), "ship_to.name"),
    ("acme", "/asns", {"warehouse": "WH1\x00", "reference": "P", "lines": [{"sku": "A-1", "qty": 1}]}, "warehouse"),
    ("admin", "/adjustments", {"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1", "seller": "ACME", "qty": 1,
                               "reason": "found", "lot": "L\x00"}, "lot"),
]


@pytest.mark.parametrize(("who", "path", "body", "field"), STRING_FIELDS,
                         ids=[f"{p} {f}" for _, p, _, f in STRING_FIELDS])
def test_control_characters_in_strings_are_validation_errors(apis, nothing_written, who, path, body, field):
    with nothing_written():
        r = apis[who].post(path, json=body)
    assert_problem(r, 422, "validation_error", field)


def test_a_lone_surrogate_is_a_validation_error(apis, nothing_written):
    with nothing_written():
        r = raw(apis.acme, "/skus", '{"code": "S1", "name": "\\ud800"}')
        r_key = raw(apis.acme, "/skus", '{"code": "S1", "name": "n", "\\udfff": 1}')
    assert_problem(r, 422, "validation_error", "name")
    assert_problem(r_key, 422, "validation_error", "_body")


def test_newlines_and_tabs_stay_allowed_in_text(apis):
    order = place(apis.acme, ship_to={"name": "Ada\tL", "line1": "1 Main St\nApt 2", "city": "Austin",
                                      "postal_code": "78701", "country": "US"})
    assert order["id"]


@pytest.mark.parametrize(("path", "arg"), [("/skus", "code"), ("/stock", "warehouse"), ("/stock", "sku"),
                                           ("/ledger", "seller"), ("/orders", "status")])
def test_control_characters_in_query_arguments_are_validation_errors(apis, path, arg):
    assert_problem(apis.admin.get(path, query_string={arg: "a\x00"}), 422, "validation_error", arg)


def test_a_nul_in_a_path_is_not_found(apis):
    assert_problem(apis.admin.get("/warehouses/%00"), 404, "not_found")
    assert_problem(apis.admin.get("/warehouses/WH1%00/locations"), 404, "not_found")


def test_a_nul_in_a_web_form_changes_nothing(client, nothing_written):
    with nothing_written():
        r = client.post("/login", data={"token": "qs_\x00", "csrf_token": "x"})
    assert r.status_code == 422
    assert r.mimetype == "text/html"


# --- JSON structure and unreadable bodies ---------------------------------------------

@pytest.mark.parametrize("depth", [33, 5_000, 50_000])
def test_deeply_nested_json_is_a_bad_request(apis, nothing_written, depth):
    with nothing_written():
        r = raw(apis.acme, "/orders", "[" * depth + "]" * depth)
        r_obj = raw(apis.acme, "/skus", '{"code": "N", "name": "n", "x": ' + "[" * depth + "]" * depth + "}")
    assert_problem(r, 400, "bad_request")
    assert_problem(r_obj, 400, "bad_request")


class BrokenStream(io.RawIOBase):
    """What the server hands a view for a malformed chunked body: reading fails."""

    def readable(self):
        return True


    def readinto(self, _buffer):
        raise OSError("invalid chunk size")


def test_an_unreadable_body_is_a_bad_request(apis, nothing_written):
    with nothing_written():
        r = apis.acme.client.post("/api/v1/skus", data=b"{}", headers={
            "Authorization": f"Bearer {apis.acme.token}", "Content-Type": "application/json"},
            environ_overrides={"wsgi.input": BrokenStream(), "CONTENT_LENGTH": "100"})
    assert_problem(r, 400, "bad_request")
