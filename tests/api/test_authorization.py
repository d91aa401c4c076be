"""Who may do what: authentication, roles, and the scoping of sellers and
warehouses. Another seller's objects and another warehouse's stock are
never revealed: they are not found (or, named inside a body, unknown)."""
from __future__ import annotations

import pytest

from tests.api.conftest import adjustment, assert_problem, move

NEW_SKU = {"code": "N-1", "name": "new"}
NEW_WAREHOUSE = {"code": "UK1", "name": "Felixstowe", "country": "GB", "timezone": "Europe/London"}
LAYOUT = {"blocks": 1, "aisles": 1, "bays_per_aisle": 1, "levels": 1}


def call(api, method: str, path: str, ids: dict, body=None, query=None):
    return getattr(api, method)(path.format(**ids), **({"json": body} if body is not None else {}),
                                **({"query_string": query} if query else {}))


# --- out-of-scope objects ---------------------------------------------------

# (caller, method, path, body, query, status, code, field): the caller is a
# seller asking for another seller's things, or an operator for another
# warehouse's. Paths name SKUs as {A-1}, filled with their ids.
OUT_OF_SCOPE = [
    ("beta", "get", "/skus/{A-1}", None, None, 404, "not_found", None),
    ("beta", "patch", "/skus/{A-1}", {"name": "mine now"}, None, 404, "not_found", None),
    ("acme_channel", "get", "/skus/{B-1}", None, None, 404, "not_found", None),
    ("wh2_operator", "patch", "/skus/{A-1}", {"name": "mine now"}, None, 403, "forbidden", None),
    ("wh2_operator", "get", "/warehouses/WH1", None, None, 404, "not_found", None),
    ("wh2_operator", "get", "/warehouses/WH1/locations", None, None, 404, "not_found", None),
    ("wh2_operator", "get", "/stock", None, {"warehouse": "WH1"}, 404, "not_found", None),
    ("wh2_operator", "get", "/stock/locations", None, {"warehouse": "WH1"}, 404, "not_found", None),
    ("wh2_operator", "get", "/ledger", None, {"warehouse": "WH1"}, 404, "not_found", None),
    ("beta", "get", "/stock", None, {"sku": "A-1"}, 422, "validation_error", "sku"),
    ("beta", "get", "/stock", None, {"sku": "{A-1}"}, 422, "validation_error", "sku"),
    ("beta", "get", "/stock/locations", None, {"sku": "{A-1}"}, 422, "validation_error", "sku"),
    ("beta", "get", "/ledger", None, {"sku": "{A-1}"}, 422, "validation_error", "sku"),
    ("wh2_operator", "post", "/adjustments", adjustment(), None, 422, "validation_error", "warehouse"),
    ("wh2_operator", "post", "/moves", move(), None, 422, "validation_error", "warehouse"),
    ("acme", "post", "/adjustments", adjustment(seller=None), None, 403, "forbidden", None),
    ("acme", "post", "/moves", move(seller=None), None, 403, "forbidden", None),
]


@pytest.mark.parametrize(("caller", "method", "path", "body", "query", "status", "code", "field"), OUT_OF_SCOPE)
def test_objects_out_of_the_callers_scope_are_never_revealed(
    apis, ids, nothing_written, caller, method, path, body, query, status, code, field
):
    if query:
        query = {k: v.format(**ids) for k, v in query.items()}
    with nothing_written():
        r = call(apis[caller], method, path, ids, body, query)

    assert_problem(r, status, code, *([field] if field else []))
    text = r.get_data(as_text=True)
    assert "ACME" not in text and '"sellable"' not in text and "A01-01-1" not in text


def test_a_foreign_sku_and_a_sku_that_does_not_exist_look_the_same(apis, ids):
    foreign = apis.beta.get(f"/skus/{ids['A-1']}")
    missing = apis.beta.get("/skus/999999")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["detail"] == missing.json["detail"]


@pytest.mark.parametrize("path", ["/adjustments", "/moves"])
def test_an_operator_cannot_write_to_another_warehouse_by_naming_it_in_a_body(apis, path):
    body = adjustment(warehouse="WH2") if path == "/adjustments" else move(warehouse="WH2", to_location="A01-02-1")

    assert apis.wh2_operator.post(path, json=body).status_code == 201
    assert_problem(apis.wh1_operator.post(path, json=body), 422, "validation_error", "warehouse")


def test_an_operator_works_with_every_sellers_stock_in_its_warehouse(apis):
    assert apis.wh1_operator.post("/adjustments", json=adjustment(sku="B-1", seller="BETA")).status_code == 201
    assert apis.wh1_operator.post("/moves", json=move(sku="B-1", seller="BETA", from_location="A01-02-1")).status_code \
        == 201


# --- lists never hold another seller's rows -----------------------------------

SELLER_LISTS = ["/stock", "/stock/locations", "/ledger", "/skus", "/sellers"]


@pytest.mark.parametrize("path", SELLER_LISTS)
@pytest.mark.parametrize(("caller", "own", "other"), [("acme", "ACME", "BETA"), ("beta", "BETA", "ACME")])
def test_a_seller_lists_only_its_own_rows(apis, path, caller, own, other):
    apis.admin.post("/adjustments", json=adjustment(sku="B-2", seller="BETA", location="A01-04-1"))

    r = apis[caller].get(path, query_string={"limit": 500})

    assert r.status_code == 200, r.json
    assert r.json["items"]
    if path == "/ledger":
        sellers = {p["seller"] for i in r.json["items"] for p in i["postings"]}
    else:
        sellers = {i["code"] if path == "/sellers" else i["seller"] for i in r.json["items"]}
    assert sellers == {own}
    assert other not in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/stock", "/stock/locations", "/ledger"])
def test_a_seller_filtering_on_another_seller_gets_nothing(apis, path):
    r = apis.beta.get(path, query_string={"seller": "ACME"})

    assert r.status_code == 200
    assert r.json["items"] == []


@pytest.mark.parametrize("path", ["/stock", "/stock/locations", "/ledger", "/warehouses"])
def test_an_operator_lists_only_its_warehouses(apis, path):
    r = apis.wh2_operator.get(path)

    assert r.status_code == 200, r.json
    assert r.json["items"]
    text = r.get_data(as_text=True)
    assert "WH1" not in text and "B-1" not in text


def test_an_operator_sees_only_the_postings_of_its_warehouses(apis):
    items = apis.wh2_operator.get("/ledger").json["items"]

    assert len(items) == 1
    assert [p["qty"] for p in items[0]["postings"]] in ([5, -5], [-5, 5])


# --- roles ------------------------------------------------------------------

# (callers, method, path, body): each of these callers gets 403 forbidden.
FORBIDDEN = [
    (["wh1_operator", "acme", "acme_channel"], "post", "/tokens", {"name": "x", "role": "admin"}),
    (["wh1_operator", "acme", "acme_channel"], "get", "/tokens", None),
    (["wh1_operator", "acme", "acme_channel"], "post", "/warehouses", NEW_WAREHOUSE),
    (["wh1_operator", "acme"], "post", "/warehouses/WH1/layout", LAYOUT),
    (["wh1_operator", "acme"], "post", "/warehouses/WH1/locations", {"locations": [{"code": "Z", "kind": "dock"}]}),
    (["wh1_operator", "acme", "acme_channel"], "post", "/sellers", {"code": "NEW", "name": "n"}),
    (["wh1_operator", "acme_channel"], "post", "/skus", {**NEW_SKU, "seller": "ACME"}),
    (["wh1_operator", "acme_channel"], "patch", "/skus/{A-1}", {"name": "x"}),
    (["acme", "beta", "acme_channel"], "post", "/adjustments", adjustment(seller=None)),
    (["acme", "beta", "acme_channel"], "post", "/moves", move(seller=None)),
    (["acme_channel"], "get", "/stock", None),
    (["acme_channel"], "get", "/stock/locations", None),
    (["acme_channel"], "get", "/ledger", None),
]


@pytest.mark.parametrize(
    ("caller", "method", "path", "body"),
    [(caller, method, path, body) for callers, method, path, body in FORBIDDEN for caller in callers],
)
def test_a_role_that_may_not_do_something_is_forbidden(apis, ids, nothing_written, caller, method, path, body):
    with nothing_written():
        r = call(apis[caller], method, path, ids, body)

    assert_problem(r, 403, "forbidden")


# --- authentication ---------------------------------------------------------

ENDPOINTS = [
    ("get", "/warehouses"), ("get", "/warehouses/WH1"), ("get", "/skus/1"), ("get", "/stock"),
    ("get", "/ledger"), ("get", "/tokens"), ("post", "/adjustments"), ("post", "/tokens"), ("patch", "/skus/1"),
]
BAD_AUTHORIZATION = {
    "none": None,
    "empty bearer": "Bearer ",
    "unknown token": "Bearer qs_this-token-was-never-issued",
    "another scheme": "Basic YWRtaW46YWRtaW4=",
    "token without scheme": "TOKEN",
}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION.keys())
def test_a_call_without_a_valid_token_is_unauthenticated(admin_api, client, nothing_written, method, path,
                                                         authorization):
    headers = {"Authorization": authorization.replace("TOKEN", admin_api.token)} if authorization else {}
    with nothing_written():
        r = getattr(client, method)("/api/v1" + path, json=adjustment(), headers=headers)

    assert_problem(r, 401, "unauthenticated")


def test_an_unauthenticated_post_with_an_idempotency_key_stores_nothing(world, client, apis, session):
    from tests.api.conftest import idempotency_rows

    r = client.post("/api/v1/adjustments", json=adjustment(), headers={"Idempotency-Key": "anon-1"})

    assert_problem(r, 401, "unauthenticated")
    assert idempotency_rows(session, "anon-1") == []
