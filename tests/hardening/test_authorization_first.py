"""Issue 13 D10: authorization comes before validation. Every API view that
declares its roles with @roles (wms.http) is checked right after
authentication, so a caller of another role gets 403, never a 422 about a
body it may not send nor a 404 about an id it may not see. The admin-only
views are found from the app's URL map; each is tried by every other role
with a bad body. Also: an order's `channel` must be one of its seller's own
channels (422 naming `channel` otherwise)."""
from __future__ import annotations

import re

import pytest

from tests.api.conftest import assert_problem
from tests.channels.conftest import TEST_KEY, webhook_channel
from tests.fulfillment.conftest import order_body
from wms.app import API_PREFIX, create_app
from wms.config import Settings
from wms.http import declared_roles

# What an admin alone may do; the URL map must mark at least these (a route
# losing its mark fails here, a new admin route is tried below as soon as it is marked).
KNOWN_ADMIN_ONLY = {
    ("POST", "/tokens"), ("GET", "/tokens"), ("DELETE", "/tokens/<int:token_id>"),
    ("POST", "/users"), ("GET", "/users"), ("PATCH", "/users/<int:user_id>"),
    ("POST", "/sellers"), ("PATCH", "/sellers/<code>"),
    ("POST", "/warehouses"), ("POST", "/warehouses/<code>/layout"), ("POST", "/warehouses/<code>/locations"),
    ("POST", "/counts/<int:count_id>/approve"),
}


def admin_only_operations() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "WMS_SETTINGS": Settings(database_url="sqlite://")})
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or declared_roles(app.view_functions[rule.endpoint]) != {"admin"}:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule[len(API_PREFIX):]))
    return sorted(found)


ADMIN_ONLY = admin_only_operations()


def test_every_known_admin_only_operation_is_marked():
    assert set(ADMIN_ONLY) >= KNOWN_ADMIN_ONLY, KNOWN_ADMIN_ONLY - set(ADMIN_ONLY)


def call(api, method: str, path: str, **kw):
    return api.client.open(f"{API_PREFIX}{path}", method=method, headers=api._headers(None), **kw)


def concrete(path: str) -> str:
    """Real-looking ids: an existing warehouse code, an id that may or may not exist."""
    path = re.sub(r"<int:[a-z_]+>", "1", path)
    return re.sub(r"<[a-z_]+>", "WH1", path)


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
@pytest.mark.parametrize("who", ["wh1_operator", "acme", "acme_channel"])
def test_a_non_admin_gets_403_before_any_validation_or_lookup(apis, nothing_written, who, method, path):
    bad = {"no_such_field": "\u00e9" * 3, "qty": "lots"}
    with nothing_written():
        if method == "GET":
            r = apis[who].get(concrete(path), query_string={"limit": "many", "no_such_arg": 1})
        else:
            r = call(apis[who], method, concrete(path), json=bad)
        unknown = call(apis[who], method, concrete(path).replace("/1", "/999999").replace("WH1", "NOPE"),
                       json=bad if method != "GET" else None)
    assert_problem(r, 403, "forbidden")
    assert_problem(unknown, 403, "forbidden")


@pytest.mark.parametrize(("method", "path"), [op for op in ADMIN_ONLY if op[0] not in ("GET", "DELETE")])
def test_an_admin_with_the_same_bad_body_gets_the_validation_error(apis, nothing_written, method, path):
    with nothing_written():
        r = call(apis.admin, method, concrete(path), json={"no_such_field": 1})
    assert r.status_code in (404, 422), r.get_data(as_text=True)


def test_an_order_naming_an_unknown_or_foreign_channel_is_refused_naming_it(apis, nothing_written, monkeypatch):
    monkeypatch.setenv("WMS_CHANNEL_KEYS", TEST_KEY)
    own = apis.acme.post("/channels", json=webhook_channel())
    assert own.status_code == 201, own.get_data(as_text=True)
    foreign = apis.beta.post("/channels", json=webhook_channel()).get_json()["id"]

    with nothing_written():
        unknown_r = apis.acme.post("/orders", json=order_body(channel=999_999))
        foreign_r = apis.acme.post("/orders", json=order_body(channel=foreign))
    a = assert_problem(unknown_r, 422, "validation_error", "channel")
    b = assert_problem(foreign_r, 422, "validation_error", "channel")
    assert a["errors"]["channel"].split()[:2] == b["errors"]["channel"].split()[:2] == ["unknown", "channel"]

    placed = apis.acme.post("/orders", json=order_body(channel=own.get_json()["id"]))
    assert placed.status_code == 201, placed.get_data(as_text=True)
    assert placed.get_json()["channel"] == own.get_json()["id"]
