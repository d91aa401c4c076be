"""Cursor pagination of every list endpoint: ?limit= and ?cursor=."""
from __future__ import annotations

import base64

import pytest

from tests.api.conftest import adjustment, assert_problem, walk_pages

LISTS = [
    "/warehouses", "/warehouses/WH1/locations", "/sellers", "/skus", "/stock", "/stock/locations", "/ledger",
    "/tokens",
]


@pytest.fixture
def many_rows(world, apis):
    """Enough rows in every list to need several small pages."""
    for i in range(4):
        apis.admin.post("/warehouses", json={"code": f"X{i}", "name": f"x{i}", "country": "NL", "timezone": "UTC"})
        apis.admin.post("/sellers", json={"code": f"SELLER{i}", "name": f"s{i}"})
        apis.acme.post("/skus", json={"code": f"A-1{i}", "name": f"sku {i}"})
        apis.admin.post("/adjustments", json=adjustment(sku=f"A-1{i}", location=f"A02-0{i + 1}-1", qty=i + 1))
    return world


@pytest.mark.parametrize("path", LISTS)
def test_walking_the_pages_returns_every_row_once(many_rows, apis, path):
    everything = apis.admin.get(path, query_string={"limit": 500}).json
    assert everything["next_cursor"] is None

    walked = walk_pages(apis.admin, path, limit=2)

    assert len(everything["items"]) > 4  # three pages at least
    assert walked == everything["items"]


def test_the_default_page_holds_fifty_rows(world, apis):
    r = apis.admin.get("/warehouses/WH1/locations")

    assert len(r.json["items"]) == 50
    assert r.json["next_cursor"]


def test_the_last_page_has_no_cursor(world, apis):
    r = apis.admin.get("/skus", query_string={"limit": 4})

    assert len(r.json["items"]) == 4
    assert r.json["next_cursor"] is None


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["501", "0", "-1", "ten"])
def test_a_limit_outside_one_to_five_hundred_is_refused(admin_api, path, limit):
    assert_problem(admin_api.get(path, query_string={"limit": limit}), 422, "validation_error", "limit")


@pytest.mark.parametrize("cursor", [
    "garbage!!", "not-base64", base64.urlsafe_b64encode(b"id:abc").decode(), base64.urlsafe_b64encode(b"x:1").decode(),
])
def test_a_cursor_this_api_did_not_return_is_a_bad_request(world, apis, cursor):
    for path in LISTS:
        assert_problem(apis.admin.get(path, query_string={"cursor": cursor}), 400, "bad_request", "cursor")
