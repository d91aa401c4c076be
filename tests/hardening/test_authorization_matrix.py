"""Issue 13 item 10: the authorization matrix, from the URL map.

Every route the app serves (API and HTML) is read from ``app.url_map``, so
a new route cannot be forgotten: a route missing from ``EXPECTED`` (or an
entry for a route that is gone) fails ``test_every_route_is_classified``.

Each route is then called by every kind of caller against one world in which
the objects named in paths belong to seller ACME in warehouse WH1:

    admin  op1 (operator of WH1)  op2 (operator of WH2: a foreign warehouse)
    acme (the owning seller)  beta (a foreign seller)
    ch_a (ACME's channel)  ch_b (BETA's channel)  anon (no token / not logged in)

Paths carry ACME's real ids; POST, PATCH and DELETE send an empty body (with
a fresh Idempotency-Key, and on the web a valid CSRF token and form key), so
the status says how far the caller got: 401/403 refused by role, 404 not
found (scoped away), 422/400 let through to validation, 2xx done. Each
request runs inside a savepoint that is rolled back afterwards, so every
request sees the same world. For each route and caller we check:

* the status is the one recorded in ``EXPECTED``;
* a foreign caller (beta, ch_b; op2 on objects of WH1) answers the same for
  ACME's real id as for an id that does not exist (nothing reveals that the
  object exists), and never 2xx;
* no response to a foreign caller contains ACME's marker strings (every
  ACME reference and name carries one), and op2 never sees the marker of
  WH1-only objects; lists are non-empty where the caller has rows of its own
  (BETA's objects live in WH2), so the marker check is not vacuous.
"""
from __future__ import annotations

import itertools
import re

import pytest

from tests.fulfillment.conftest import SHIP_TO_US, ok
from wms import cache
from wms.auth import web_sessions
from wms.auth.services import authenticate

ROLES = ("admin", "op1", "op2", "acme", "beta", "ch_a", "ch_b", "anon")
FOREIGN = ("beta", "ch_b", "op2")
SELLER_SECRET = "ACMESECRET"   # in every reference and name of seller ACME
WH1_SECRET = "WH1ONLY"         # in the references of ACME's objects that live in WH1 only
MISSING_ID = 2_000_000_000
MISSING_CODE = "NOPE"
STATIC_FILE = "web.css"

# Routes whose object op2 (operator of WH2) may legitimately see: not
# scoped to a warehouse (SKUs, sellers), or a transfer that arrives in WH2.
OP2_MAY_SEE = frozenset({
    "/api/v1/skus/<int:sku_id>", "/api/v1/skus/<int:sku_id>/slotting", "/api/v1/sellers/<code>",
    "/api/v1/transfers/<int:transfer_id>", "/api/v1/transfers/<int:transfer_id>/receive",
    "/skus/<int:sku_id>",
})


# Bodies that pass validation, for the routes that validate the body before
# they look at the caller or the object: without one, every caller would get
# the same 422 and the matrix would test nothing. They name ACME's things.
CARTON = {"length_mm": 400, "width_mm": 300, "height_mm": 200, "weight_g": 1500, "lines": [{"sku": "A-1", "qty": 2}]}
BODIES: dict[str, dict] = {
    "POST /api/v1/adjustments": {"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1", "seller": "ACME",
                                 "qty": 1, "reason": "found"},
    "POST /api/v1/asns": {"warehouse": "WH1", "reference": "M-ASN", "lines": [{"sku": "A-1", "qty": 1}]},
    "POST /api/v1/asns/<int:asn_id>/receipts": {"barcode": "BA-2", "qty": 1},
    "POST /api/v1/channels": {"name": "M", "kind": "webhook", "warehouses": ["WH1"],
                              "settings": {"url": "http://127.0.0.1:9/m", "secret": "s3cret-value"}},
    "POST /api/v1/channels/<int:channel_id>/listings": {"listings": [{"sku": "A-2", "external_id": "M-2"}]},
    "POST /api/v1/counts": {"warehouse": "WH1", "locations": ["A01-04-1"]},
    "POST /api/v1/counts/<int:count_id>/submit": {"lines": [{"location": "A01-03-1", "sku": "A-1", "seller": "ACME",
                                                             "counted_qty": 0}]},
    "POST /api/v1/moves": {"warehouse": "WH1", "from_location": "A01-01-1", "to_location": "A01-03-1",
                           "sku": "A-1", "seller": "ACME", "qty": 1},
    "POST /api/v1/orders": {"reference": "M-SO", "warehouse": "WH1", "ship_to": SHIP_TO_US,
                            "lines": [{"sku": "A-1", "qty": 1}]},
    "POST /api/v1/orders/<int:order_id>/pack": {"cartons": [CARTON]},
    "POST /api/v1/orders/<int:order_id>/ship": {"carrier": "UPS", "tracking_number": "1Z"},
    "POST /api/v1/pick-lists/<int:pick_list_id>/totes": {"tote": "T-9"},
    "POST /api/v1/pick-lists/<int:pick_list_id>/picks/<int:seq>/confirm": {"location": "A01-01-1",
                                                                          "barcode": "BA-1", "qty": 2},
    "POST /api/v1/sellers": {"code": "NEW", "name": "New seller"},
    "POST /api/v1/skus": {"code": "M-1", "name": "new"},
    "POST /api/v1/tasks/<int:task_id>/complete": {"location": "A01-04-1", "qty": 2},
    "POST /api/v1/tokens": {"name": "m", "role": "admin"},
    "POST /api/v1/transfers": {"from_warehouse": "WH1", "to_warehouse": "WH2", "reference": "M-TR",
                               "lines": [{"sku": "A-1", "seller": "ACME", "qty": 1}]},
    "POST /api/v1/users": {"login": "m-user", "name": "M", "role": "admin", "password": "correct horse battery"},
    "POST /api/v1/warehouses": {"code": "UK1", "name": "Felixstowe", "country": "GB", "timezone": "Europe/London"},
    "POST /api/v1/warehouses/<code>/layout": {"blocks": 1, "aisles": 1, "bays_per_aisle": 1, "levels": 1},
    "POST /api/v1/warehouses/<code>/locations": {"locations": [{"code": "ZZ-1", "kind": "dock"}]},
}


# --- the recorded expectations ------------------------------------------------------
# "METHOD rule": statuses for admin op1 op2 acme beta ch_a ch_b anon, with
# ACME's ids. A new route must be added here (with the statuses it should
# answer); the test prints the observed line of every route that differs.
EXPECTED: dict[str, str] = {
    # Anyone may choose a language: the login screen offers it.
    "DELETE /api/v1/tokens/<int:token_id>":                                   "204 403 403 403 403 403 403 401",
    "GET /":                                                                  "200 200 200 302 302 302 302 302",
    "GET /api/v1/asns":                                                       "200 200 200 200 200 403 403 401",
    "GET /api/v1/asns/<int:asn_id>":                                          "200 200 404 200 404 403 403 401",
    "GET /api/v1/channels":                                                   "200 403 403 200 200 200 200 401",
    "GET /api/v1/channels/<int:channel_id>":                                  "200 404 404 200 404 200 404 401",
    "GET /api/v1/channels/<int:channel_id>/listings":                         "200 404 404 200 404 200 404 401",
    "GET /api/v1/channels/<int:channel_id>/stock":                            "200 403 403 200 404 200 404 401",
    "GET /api/v1/counts":                                                     "200 200 200 403 403 403 403 401",
    "GET /api/v1/counts/<int:count_id>":                                      "200 200 404 403 403 403 403 401",
    "GET /api/v1/healthz":                                                    "200 200 200 200 200 200 200 200",
    "GET /api/v1/ledger":                                                     "200 200 200 200 200 403 403 401",
    "GET /api/v1/openapi.json":                                               "200 200 200 200 200 200 200 200",
    "GET /api/v1/orders":                                                     "200 200 200 200 200 200 200 401",
    "GET /api/v1/orders/<int:order_id>":                                      "200 200 404 200 404 404 404 401",
    "GET /api/v1/pick-lists/<int:pick_list_id>":                              "200 200 404 403 403 403 403 401",
    "GET /api/v1/readyz":                                                     "200 200 200 200 200 200 200 200",
    "GET /api/v1/sellers":                                                    "200 200 200 200 200 200 200 401",
    "GET /api/v1/skus":                                                       "200 200 200 200 200 200 200 401",
    "GET /api/v1/skus/<int:sku_id>":                                          "200 200 200 200 404 200 404 401",
    "GET /api/v1/skus/<int:sku_id>/slotting":                                 "200 403 403 200 404 200 404 401",
    "GET /api/v1/slotting-plans/<int:plan_id>":                               "200 200 404 403 403 403 403 401",
    "GET /api/v1/stock":                                                      "200 200 200 200 200 403 403 401",
    "GET /api/v1/stock/locations":                                            "200 200 200 200 200 403 403 401",
    "GET /api/v1/tasks":                                                      "200 200 200 403 403 403 403 401",
    "GET /api/v1/tasks/<int:task_id>":                                        "200 200 404 403 403 403 403 401",
    "GET /api/v1/tokens":                                                     "200 403 403 403 403 403 403 401",
    "GET /api/v1/transfers":                                                  "200 200 200 200 200 403 403 401",
    "GET /api/v1/transfers/<int:transfer_id>":                                "200 200 200 200 404 403 403 401",
    "GET /api/v1/users":                                                      "200 403 403 403 403 403 403 401",
    "GET /api/v1/warehouses":                                                 "200 200 200 200 200 200 200 401",
    "GET /api/v1/warehouses/<code>":                                          "200 200 404 200 200 200 200 401",
    "GET /api/v1/warehouses/<code>/locations":                                "200 200 404 200 200 200 200 401",
    "GET /api/v1/waves/<int:wave_id>":                                        "200 200 404 403 403 403 403 401",
    "GET /asns":                                                              "200 200 200 200 200 403 403 302",
    "GET /asns/<int:asn_id>":                                                 "200 200 404 200 404 403 403 302",
    "GET /asns/new":                                                          "200 403 403 200 200 403 403 302",
    "GET /asns/template.csv":                                                 "200 200 200 200 200 200 200 302",
    "GET /channels":                                                          "200 403 403 200 200 200 200 302",
    "GET /channels/<int:channel_id>":                                         "200 404 404 200 404 200 404 302",
    "GET /counts":                                                            "200 200 200 403 403 403 403 302",
    "GET /dashboard":                                                         "200 200 200 403 403 403 403 302",
    "GET /favicon.ico":                                                       "200 200 200 200 200 200 200 200",
    "GET /healthz":                                                           "200 200 200 200 200 200 200 200",
    "GET /language":                                                          "303 303 303 303 303 303 303 303",
    "GET /layout":                                                            "200 200 200 403 403 403 403 302",
    "GET /login":                                                             "200 200 200 200 200 200 200 200",
    "GET /metrics":                                                           "401 401 401 401 401 401 401 401",
    "GET /orders":                                                            "200 200 200 200 200 200 200 302",
    "GET /orders/<int:order_id>":                                             "200 200 404 200 404 404 404 302",
    "GET /orders/new":                                                        "200 403 403 200 200 403 403 302",
    "GET /orders/template.csv":                                               "200 200 200 200 200 200 200 302",
    "GET /pack":                                                              "200 200 200 403 403 403 403 302",
    "GET /pack/<int:order_id>":                                               "409 409 404 403 403 403 403 302",
    "GET /pick":                                                              "200 200 200 403 403 403 403 302",
    "GET /pick/<int:pick_list_id>":                                           "200 200 404 403 403 403 403 302",
    "GET /picks":                                                             "200 200 200 403 403 403 403 302",
    "GET /putaway":                                                           "200 200 200 403 403 403 403 302",
    "GET /putaway/<int:task_id>":                                             "200 200 404 403 403 403 403 302",
    "GET /readyz":                                                            "200 200 200 200 200 200 200 200",
    "GET /receive":                                                           "200 200 200 403 403 403 403 302",
    "GET /receive/<int:asn_id>":                                              "200 200 404 403 403 403 403 302",
    "GET /receive/<int:asn_id>/close":                                        "200 200 404 403 403 403 403 302",
    "GET /ship":                                                              "200 200 200 403 403 403 403 302",
    "GET /ship/<int:order_id>":                                               "409 409 404 403 403 403 403 302",
    "GET /skus/<int:sku_id>":                                                 "200 200 200 200 404 403 404 302",
    "GET /static/<path:filename>":                                            "404 404 404 404 404 404 404 404",
    "GET /stock":                                                             "200 200 200 200 200 403 403 302",
    "GET /stock.csv":                                                         "200 200 200 200 200 403 403 302",
    "GET /waves":                                                             "200 200 200 403 403 403 403 302",
    "GET /waves/<int:wave_id>":                                               "200 200 404 403 403 403 403 302",
    "GET /web-static/<path:filename>":                                        "200 200 200 200 200 200 200 200",
    "PATCH /api/v1/channels/<int:channel_id>":                                "200 403 403 200 404 403 403 401",
    "PATCH /api/v1/sellers/<code>":                                           "200 403 403 403 403 403 403 401",
    "PATCH /api/v1/skus/<int:sku_id>":                                        "200 403 403 200 404 403 403 401",
    "PATCH /api/v1/skus/<int:sku_id>/slotting":                               "200 403 403 200 404 403 403 401",
    "PATCH /api/v1/users/<int:user_id>":                                      "200 403 403 403 403 403 403 401",
    "POST /api/v1/adjustments":                                               "201 201 422 403 403 403 403 401",
    "POST /api/v1/asns":                                                      "422 403 403 201 422 403 403 401",
    "POST /api/v1/asns/<int:asn_id>/cancel":                                  "409 403 403 409 404 403 403 401",
    "POST /api/v1/asns/<int:asn_id>/close":                                   "200 200 404 403 403 403 403 401",
    "POST /api/v1/asns/<int:asn_id>/receipts":                                "201 201 404 403 403 403 403 401",
    "POST /api/v1/asns/<int:asn_id>/receipts/<int:receipt_id>/reverse":       "200 200 404 403 403 403 403 401",
    "POST /api/v1/channels":                                                  "422 403 403 201 201 403 403 401",
    "POST /api/v1/channels/<int:channel_id>/listings":                        "201 403 403 201 404 403 403 401",
    "POST /api/v1/channels/<int:channel_id>/listings/<int:listing_id>/retry": "409 403 403 409 404 403 403 401",
    "POST /api/v1/channels/<int:channel_id>/reconcile":                       "202 403 403 202 404 403 403 401",
    "POST /api/v1/counts":                                                    "201 201 422 403 403 403 403 401",
    "POST /api/v1/counts/<int:count_id>/approve":                             "409 403 403 403 403 403 403 401",
    "POST /api/v1/counts/<int:count_id>/submit":                              "200 200 404 403 403 403 403 401",
    "POST /api/v1/moves":                                                     "201 201 422 403 403 403 403 401",
    "POST /api/v1/orders":                                                    "422 403 403 201 422 201 422 401",
    "POST /api/v1/orders/<int:order_id>/cancel":                              "200 403 403 200 404 404 404 401",
    "POST /api/v1/orders/<int:order_id>/pack":                                "409 409 404 403 403 403 403 401",
    "POST /api/v1/orders/<int:order_id>/ship":                                "409 409 404 403 403 403 403 401",
    "POST /api/v1/pick-lists/<int:pick_list_id>/picks/<int:seq>/confirm":     "200 200 404 403 403 403 403 401",
    "POST /api/v1/pick-lists/<int:pick_list_id>/totes":                       "200 200 404 403 403 403 403 401",
    "POST /api/v1/sellers":                                                   "201 403 403 403 403 403 403 401",
    "POST /api/v1/skus":                                                      "422 403 403 201 201 403 403 401",
    "POST /api/v1/slotting-plans/<int:plan_id>/apply":                        "200 200 404 403 403 403 403 401",
    "POST /api/v1/slotting-plans/<int:plan_id>/cancel":                       "409 409 404 403 403 403 403 401",
    "POST /api/v1/tasks/<int:task_id>/complete":                              "409 409 404 403 403 403 403 401",
    "POST /api/v1/tokens":                                                    "201 403 403 403 403 403 403 401",
    "POST /api/v1/transfers":                                                 "201 201 422 201 422 403 403 401",
    "POST /api/v1/transfers/<int:transfer_id>/receive":                       "200 404 200 403 403 403 403 401",
    "POST /api/v1/users":                                                     "201 403 403 403 403 403 403 401",
    "POST /api/v1/warehouses":                                                "201 403 403 403 403 403 403 401",
    "POST /api/v1/warehouses/<code>/layout":                                  "409 403 403 403 403 403 403 401",
    "POST /api/v1/warehouses/<code>/locations":                               "201 403 403 403 403 403 403 401",
    "POST /api/v1/warehouses/<code>/slotting-plans":                          "201 201 404 403 403 403 403 401",
    "POST /api/v1/warehouses/<code>/waves":                                   "409 409 404 403 403 403 403 401",
    "POST /asns/new":                                                         "422 403 403 422 422 403 403 400",
    "POST /asns/upload":                                                      "422 403 403 422 422 403 403 400",
    "POST /channels/<int:channel_id>/listings/<int:listing_id>/retry":        "409 404 404 409 404 403 404 400",
    "POST /channels/<int:channel_id>/reconcile":                              "303 404 404 303 404 403 404 400",
    "POST /counts/<int:count_id>/decision":                                   "422 422 422 403 403 403 403 400",
    "POST /login":                                                            "401 401 401 401 401 401 401 400",
    "POST /logout":                                                           "303 303 303 303 303 303 303 400",
    "POST /orders/new":                                                       "422 403 403 422 422 403 403 400",
    "POST /orders/upload":                                                    "422 403 403 422 422 403 403 400",
    "POST /pack/<int:order_id>":                                              "422 422 404 403 403 403 403 400",
    "POST /pick/<int:pick_list_id>":                                          "422 422 404 403 403 403 403 400",
    "POST /pick/<int:pick_list_id>/totes":                                    "422 422 404 403 403 403 403 400",
    "POST /putaway/<int:task_id>":                                            "422 422 404 403 403 403 403 400",
    "POST /receive/<int:asn_id>":                                             "422 422 404 403 403 403 403 400",
    "POST /receive/<int:asn_id>/close":                                       "303 303 404 403 403 403 403 400",
    "POST /receive/<int:asn_id>/undo/<int:receipt_id>":                       "303 303 404 403 403 403 403 400",
    "POST /ship/<int:order_id>":                                              "422 422 404 403 403 403 403 400",
    "POST /waves":                                                            "404 404 404 403 403 403 403 400",
}


# --- the world ------------------------------------------------------------------------

_keys = itertools.count(1)


def _key() -> str:
    return f"matrix-{next(_keys)}"


@pytest.fixture(autouse=True)
def _channel_key(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("WMS_CHANNEL_KEYS", Fernet.generate_key().decode())


@pytest.fixture
def matrix_world(world, session, make_api, admin_api):
    """ACME's objects in WH1 (an ASN with a receipt and its putaway task, an
    order in a wave with a pick list, a count, a transfer to WH2, a channel
    with a listing, a slotting plan, a user, a spare token), and BETA's own
    order and ASN in WH2, so that BETA's lists are not empty."""
    admin = admin_api
    acme = make_api("seller", seller="ACME")
    beta = make_api("seller", seller="BETA")
    op1 = make_api("operator", warehouses=["WH1"])
    hook = {"kind": "webhook", "settings": {"url": "http://127.0.0.1:9/hook", "secret": "s3cret-value"},
            "rules": {"buffer": 0, "percent": 100}}
    ch_a_id = ok(acme.post("/channels", json={**hook, "name": f"{SELLER_SECRET} hook", "warehouses": ["WH1"]}),
                 201)["id"]
    ch_b_id = ok(beta.post("/channels", json={**hook, "name": "Beta hook", "warehouses": ["WH2"]}), 201)["id"]
    listing = ok(acme.post(f"/channels/{ch_a_id}/listings",
                           json={"listings": [{"sku": "A-1", "external_id": f"{SELLER_SECRET}-L"}]}), 201)
    admin.post("/adjustments", json={"warehouse": "WH2", "location": "A01-02-1", "sku": "B-1", "seller": "BETA",
                                     "qty": 6, "reason": "found"})
    asn = ok(acme.post("/asns", json={"warehouse": "WH1", "reference": f"{SELLER_SECRET}-{WH1_SECRET}-ASN",
                                      "lines": [{"sku": "A-2", "qty": 5}]}), 201)
    ok(beta.post("/asns", json={"warehouse": "WH2", "reference": "BETA-ASN", "lines": [{"sku": "B-2", "qty": 5}]}),
       201)
    receipt = ok(op1.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-2", "qty": 2},
                          headers={"Idempotency-Key": _key()}), 201)
    task = ok(op1.get("/tasks", query_string={"warehouse": "WH1", "type": "putaway", "status": "open"}))["items"][0]
    order = ok(acme.post("/orders", json={"reference": f"{SELLER_SECRET}-{WH1_SECRET}-SO", "warehouse": "WH1",
                                          "ship_to": SHIP_TO_US, "lines": [{"sku": "A-1", "qty": 2}]}), 201)
    ok(beta.post("/orders", json={"reference": "BETA-SO", "warehouse": "WH2",
                                  "ship_to": {**SHIP_TO_US, "country": "DE"}, "lines": [{"sku": "B-1", "qty": 1}]}),
       201)
    wave = ok(op1.post("/warehouses/WH1/waves", json={"time_limit_s": 0.5}), 201)
    count = ok(op1.post("/counts", json={"warehouse": "WH1", "locations": ["A01-03-1"]}), 201)
    transfer = ok(admin.post("/transfers", json={"from_warehouse": "WH1", "to_warehouse": "WH2",
                                                 "reference": f"{SELLER_SECRET}-TR",
                                                 "lines": [{"sku": "A-1", "seller": "ACME", "qty": 1}]}), 201)
    plan = ok(op1.post("/warehouses/WH1/slotting-plans", json={"time_limit_s": 1}), 201)
    user = ok(admin.post("/users", json={"login": "acme-clerk", "name": f"{SELLER_SECRET} clerk", "role": "seller",
                                         "seller": "ACME", "password": "correct horse battery"}), 201)
    spare = ok(admin.post("/tokens", json={"name": f"{SELLER_SECRET} spare", "role": "seller", "seller": "ACME"}),
               201)
    callers = {
        "admin": admin, "op1": op1, "op2": make_api("operator", warehouses=["WH2"]), "acme": acme, "beta": beta,
        "ch_a": make_api("channel", seller="ACME", channel=ch_a_id),
        "ch_b": make_api("channel", seller="BETA", channel=ch_b_id), "anon": None,
    }
    pick_list = wave["pick_lists"][0]
    ids = {
        "asn_id": asn["id"], "receipt_id": receipt["receipt"]["id"],
        "channel_id": ch_a_id, "listing_id": listing["items"][0]["id"],
        "count_id": count["id"], "order_id": order["id"], "pick_list_id": pick_list["id"],
        "seq": pick_list["picks"][0]["seq"], "sku_id": world.skus_a[0].id, "plan_id": plan["id"],
        "task_id": task["id"], "token_id": spare["id"], "transfer_id": transfer["id"], "user_id": user["id"],
        "wave_id": wave["id"],
    }
    session.commit()
    return callers, ids


# --- calling a route ------------------------------------------------------------------

_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route the app serves, HEAD and OPTIONS aside."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def fill(rule: str, ids: dict, missing: bool) -> str:
    def value(match):
        name = match.group(1)
        if name == "code":
            return MISSING_CODE if missing else ("ACME" if rule.startswith("/api/v1/sellers") else "WH1")
        if name == "filename":
            return STATIC_FILE
        return str(MISSING_ID if missing else ids[name])
    return _PARAM.sub(value, rule)


def has_ids(rule: str) -> bool:
    return bool(_PARAM.search(rule)) and "<path:" not in rule


class Caller:
    """One kind of caller, on the API (Bearer token) and on the web (a
    web session of that token, and a CSRF token, in the session cookie)."""

    def __init__(self, app, session, api):
        self.client = app.test_client()
        self.token = api.token if api else None
        self.sid = None
        if self.token:
            token_id = authenticate(session, self.token).token_id
            self.sid = web_sessions.start(session, hours=1, token_id=token_id)
            session.commit()

    def log_in(self) -> None:
        """(Again: a POST /logout of the run before ends the session.)"""
        if self.sid:
            with self.client.session_transaction() as s:
                s["sid"] = self.sid
                s["csrf"] = "matrix-csrf"

    def call(self, method: str, path: str, body: dict | None = None):
        kw: dict = {"headers": {}}
        if path.startswith("/api/"):
            if self.token:
                kw["headers"]["Authorization"] = f"Bearer {self.token}"
            if method in ("POST", "PATCH"):
                kw["json"] = body or {}
            if method == "POST":
                kw["headers"]["Idempotency-Key"] = _key()
        else:
            self.log_in()
            if method == "POST":
                kw["data"] = {"csrf_token": "matrix-csrf", "idempotency_key": _key()}
        response = self.client.open(path, method=method, **kw)
        if method == "POST" and response.status_code == 303 and "failed=" in response.headers.get("Location", ""):
            # A form's error is a 303 to the page showing it (wms.web.guard): what a browser shows.
            response.close()
            return self.client.open(response.headers["Location"], method="GET")
        return response


def run_route(connection, caller: Caller, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
    """The status and text of the response, with whatever the request wrote rolled back."""
    savepoint = connection.begin_nested()
    try:
        response = caller.call(method, path, body)
        try:
            return response.status_code, response.get_data().decode(errors="replace")  # an icon is bytes
        finally:
            response.close()
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        # The request's commit was only a savepoint's: what the per-process
        # caches learned from it (a new layout's location ids) is gone too.
        cache.clear_all()


def observe(app, connection, session, matrix_world, role: str) -> dict[str, tuple[int, int | None, str]]:
    """For one caller: per "METHOD rule", (status with ACME's ids, status
    with missing ids or None, text of the first)."""
    callers, ids = matrix_world
    caller = Caller(app, session, callers[role])
    seen = {}
    for method, rule in routes(app):
        body = BODIES.get(f"{method} {rule}")
        status, text = run_route(connection, caller, method, fill(rule, ids, missing=False), body)
        missing = run_route(connection, caller, method, fill(rule, ids, missing=True), body)[0] \
            if has_ids(rule) and role in FOREIGN else None
        seen[f"{method} {rule}"] = (status, missing, text)
    return seen




# --- the tests --------------------------------------------------------------------------

def test_every_route_is_classified(app):
    served = {f"{method} {rule}" for method, rule in routes(app)}

    assert not served - set(EXPECTED), f"routes missing from the authorization matrix: {sorted(served - set(EXPECTED))}"
    assert not set(EXPECTED) - served, f"matrix entries for routes that are gone: {sorted(set(EXPECTED) - served)}"
    assert all(len(line.split()) == len(ROLES) for line in EXPECTED.values())


def foreign_to(role: str, rule: str) -> bool:
    """Whether the object a path names (ACME's, in WH1) is out of the role's scope."""
    if not has_ids(rule) or rule.startswith("/api/v1/warehouses/<code>") and role != "op2":
        return False  # a warehouse is shared by every seller
    if role == "op2":
        return rule not in OP2_MAY_SEE
    return role in ("beta", "ch_b")


# The callers' own rows that their lists must show, so that the marker check has rows to look at.
OWN_ROWS = {
    "beta": {"GET /api/v1/orders": "BETA-SO", "GET /api/v1/asns": "BETA-ASN", "GET /orders": "BETA-SO",
             "GET /asns": "BETA-ASN", "GET /api/v1/stock": "B-1", "GET /api/v1/skus": "B-2",
             "GET /api/v1/channels": "Beta hook"},
    "ch_b": {"GET /api/v1/skus": "B-2", "GET /api/v1/channels": "Beta hook"},
    "op2": {"GET /api/v1/orders": "BETA-SO", "GET /api/v1/asns": "BETA-ASN", "GET /receive": "BETA-ASN",
            "GET /api/v1/stock/locations": "B-1", "GET /api/v1/transfers": "TR"},
}


def test_every_route_answers_every_caller_as_recorded_and_nothing_crosses(app, connection, session, matrix_world):
    failures = []
    for i, role in enumerate(ROLES):
        for route, (status, missing, text) in observe(app, connection, session, matrix_world, role).items():
            method, rule = route.split(" ", 1)
            expected = EXPECTED.get(route, "").split()
            if expected and int(expected[i]) != status:
                failures.append(f"{role} {route}: {status}, recorded {expected[i]}: {text[:200]!r}")
            if role in ("beta", "ch_b") and "ACME" in text:
                failures.append(f"{role} {route}: the answer names seller ACME")
            if role == "op2" and WH1_SECRET in text:
                failures.append(f"{role} {route}: the answer shows an object of WH1")
            if role in OWN_ROWS and route in OWN_ROWS[role] and OWN_ROWS[role][route] not in text:
                failures.append(f"{role} {route}: its own {OWN_ROWS[role][route]!r} is not listed")
            if foreign_to(role, rule):
                if 200 <= status < 300:
                    failures.append(f"{role} {route}: {status} on a foreign object")
                if missing != status:
                    failures.append(f"{role} {route}: {status} for ACME's id but {missing} for a missing one")

    assert not failures, "\n".join(failures)
