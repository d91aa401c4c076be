"""Fixtures and helpers for the HTTP API tests.

`world` is tests.factories.make_world (WH1 and WH2, sellers ACME and BETA
with SKUs A-1, A-2, B-1, B-2, some stock); `apis` holds one client per kind
of caller of that world. Tests look at the database only through `session`
and end each read with a commit, so that the savepoint a read opens never
swallows the writes of the requests that follow it.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.factories import World, make_world
from wms.auth.models import Token
from wms.catalog.models import Barcode, Seller, Sku
from wms.facility.models import Location, Warehouse
from wms.idempotency_models import IdempotencyKey
from wms.ledger.models import Balance, Movement, Posting

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors", "request_id"}
# The stable codes of API.md (Conventions), and the status each goes with.
STABLE_CODES = {
    "bad_request": 400, "unauthenticated": 401, "forbidden": 403, "not_found": 404, "conflict": 409,
    "insufficient_stock": 409, "invalid_state": 409, "idempotency_key_in_use": 409, "too_large": 413,
    "validation_error": 422, "unknown_barcode": 422, "idempotency_key_reused": 422, "rate_limited": 429,
}


def assert_problem(response, status: int, code: str, *fields: str) -> dict:
    """The response is a problem+json document of the contract's shape, with
    this status and stable code, naming these fields in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code
    assert STABLE_CODES.get(code) == status, f"{code} is not a stable code of API.md for {status}"
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    assert isinstance(body["errors"], dict)
    for field in fields:
        assert field in body["errors"], f"{field!r} not named in {body['errors']}"
        assert body["errors"][field]
    return body


COUNTED = {
    "movements": Movement, "postings": Posting, "balances": Balance, "skus": Sku, "barcodes": Barcode,
    "sellers": Seller, "warehouses": Warehouse, "locations": Location, "tokens": Token,
}


def row_counts(session) -> dict[str, int]:
    counts = {name: session.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}
    session.commit()
    return counts


@pytest.fixture
def nothing_written(session):
    """Use as `with nothing_written(): ...`: the block leaves every counted
    table (movements, postings, balances, SKUs, barcodes, sellers,
    warehouses, locations, tokens) as it was."""
    @contextmanager
    def check():
        before = row_counts(session)
        yield
        assert row_counts(session) == before

    return check


def movement_count(session) -> int:
    count = session.scalar(select(func.count()).select_from(Movement))
    session.commit()
    return count


def idempotency_rows(session, key: str) -> list[IdempotencyKey]:
    rows = list(session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == key)))
    session.commit()
    return rows


@pytest.fixture
def world(session) -> World:
    return make_world(session)


@dataclass
class Apis:
    """One client per kind of caller of the world."""

    admin: object
    acme: object          # seller ACME
    beta: object          # seller BETA
    wh1_operator: object  # operator of WH1
    wh2_operator: object  # operator of WH2
    acme_channel: object  # a channel of ACME

    def __getitem__(self, name: str):
        return getattr(self, name)


@pytest.fixture
def apis(world, make_api, admin_api) -> Apis:
    return Apis(
        admin=admin_api,
        acme=make_api("seller", seller="ACME"),
        beta=make_api("seller", seller="BETA"),
        wh1_operator=make_api("operator", warehouses=["WH1"]),
        wh2_operator=make_api("operator", warehouses=["WH2"]),
        acme_channel=make_api("channel", seller="ACME", channel=1),
    )


@pytest.fixture
def ids(world) -> dict[str, int]:
    """Database ids of the world's SKUs, to fill path templates like /skus/{A-1}."""
    return {sku.code: sku.id for sku in world.skus_a + world.skus_b}


def adjustment(**overrides) -> dict:
    """A valid POST /adjustments body (admin or operator): 4 more A-1 in WH1 A01-01-1."""
    body = {"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1", "seller": "ACME", "qty": 4, "reason": "found"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def move(**overrides) -> dict:
    """A valid POST /moves body: 3 A-1 from WH1 A01-01-1 (which holds 10) to A01-03-1."""
    body = {"warehouse": "WH1", "from_location": "A01-01-1", "to_location": "A01-03-1", "sku": "A-1",
            "seller": "ACME", "qty": 3}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def walk_pages(api, path: str, limit: int, **params) -> list[dict]:
    """Every item of a list endpoint, following next_cursor page by page."""
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        r = api.get(path, query_string=query)
        assert r.status_code == 200, r.get_data(as_text=True)
        assert set(r.json) == {"items", "next_cursor"}
        assert len(r.json["items"]) <= limit
        items += r.json["items"]
        cursor = r.json["next_cursor"]
        pages += 1
        assert pages < 1000
        if cursor is None:
            return items
