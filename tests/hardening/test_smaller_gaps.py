"""Issue 13 D10/D11, the smaller gaps: unknown query arguments, blank names,
channel ids, WWW-Authenticate on 401, security headers on HTML pages."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem
from tests.fulfillment.conftest import SHIP_TO_US, order_body


@pytest.mark.parametrize(("path", "arg"), [("/stock", "warehous"), ("/orders", "state"), ("/skus", "sellr"),
                                           ("/ledger", "from"), ("/tokens", "role")])
def test_an_unknown_query_argument_is_a_validation_error(apis, path, arg):
    assert_problem(apis.admin.get(path, query_string={arg: "x"}), 422, "validation_error", arg)


@pytest.mark.parametrize(("who", "path", "body", "field"), [
    ("acme", "/skus", {"code": "N-1", "name": "   "}, "name"),
    ("acme", "/orders", order_body(reference=" \t "), "reference"),
    ("acme", "/orders", order_body(ship_to={**SHIP_TO_US, "name": "  "}), "ship_to.name"),
    ("admin", "/tokens", {"name": " ", "role": "admin"}, "name"),
    ("acme", "/orders", order_body(channel=0), "channel"),
    ("acme", "/orders", order_body(channel=-3), "channel"),
    ("admin", "/tokens", {"name": "c", "role": "channel", "seller": "ACME", "channel": 0}, "channel"),
    ("admin", "/tokens", {"name": "c", "role": "channel", "seller": "ACME", "channel": -1}, "channel"),
])
def test_blank_names_and_channel_ids_below_one_are_validation_errors(apis, nothing_written, who, path, body, field):
    with nothing_written():
        r = apis[who].post(path, json=body)
    assert_problem(r, 422, "validation_error", field)


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YTpi"])
def test_a_401_says_how_to_authenticate(client, authorization):
    r = client.get("/api/v1/skus", headers={"Authorization": authorization} if authorization else {})
    assert_problem(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_html_pages_send_security_headers(client):
    for path in ("/login", "/"):
        r = client.get(path)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"


def test_an_operator_may_not_cancel_a_sellers_order(apis, nothing_written):
    from tests.fulfillment.conftest import place

    order = place(apis.acme)
    with nothing_written():
        r = apis.wh1_operator.post(f"/orders/{order['id']}/cancel")
    assert_problem(r, 403, "forbidden")
    assert apis.acme.get(f"/orders/{order['id']}").get_json()["status"] != "cancelled"
    assert apis.acme.post(f"/orders/{order['id']}/cancel").status_code == 200
