"""Fixtures and helpers for the inbound tests: ASNs, receiving by scan,
putaway tasks, transfers between warehouses and cycle counts, through the
HTTP API.

`world` is tests.factories.make_world: warehouses WH1 (US) and WH2 (DE),
each with a small generated layout (storage bins A01-01-1 .. A03-08-2, a
DOCK and a QUARANTINE), sellers ACME (SKUs A-1, A-2) and BETA (B-1, B-2),
barcodes "B" + code, and some stock: WH1 A01-01-1 holds 10 A-1, WH1
A01-02-1 holds 7 B-1, WH2 A01-01-1 holds 5 A-1.

Tests look at the database only through `session` and end each read with a
commit, so that the savepoint a read opens never swallows the writes of the
requests that follow it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.factories import World, make_world
from wms import cache as wms_cache
from wms.ledger.models import Balance, Movement, Posting

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors", "request_id"}
BUCKET_NAMES = ("expected", "receiving", "sellable", "reserved", "available", "unsellable", "in_transit", "picked")


@pytest.fixture(autouse=True)
def _fresh_bin_cache():
    """The putaway planner caches each warehouse's bins per process, keyed by
    the warehouse's location ids; rolled-back tests reuse ids on SQLite, so
    each test starts with an empty cache."""
    wms_cache.clear_all()
    yield
    wms_cache.clear_all()


def assert_problem(response, status: int, code: str, *fields: str) -> dict:
    """The response is a problem+json document with this status and stable
    code, naming these fields in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"]
    for field in fields:
        assert body["errors"].get(field), f"{field!r} not named in {body['errors']}"
    return body


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
    both_operator: object  # operator of WH1 and WH2

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
        both_operator=make_api("operator", warehouses=["WH1", "WH2"]),
    )


_keys = itertools.count(1)


def new_key() -> str:
    return f"scan-{next(_keys)}"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def asn_body(**overrides) -> dict:
    """A valid POST /asns body for seller ACME: 20 A-1 and 5 A-2 into WH1 by sea."""
    body = {
        "warehouse": "WH1", "reference": "PO-1001", "transport_mode": "sea", "carrier": "Maersk",
        "container_number": "MSCU1234565", "expected_at": "2030-05-01T08:00:00+00:00",
        "lines": [{"sku": "A-1", "qty": 20}, {"sku": "A-2", "qty": 5}],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create_asn(api, **overrides) -> dict:
    return ok(api.post("/asns", json=asn_body(**overrides)), 201)


def scan(api, asn_id: int, *, key: str | None = None, **body):
    """POST a receipt scan with its own Idempotency-Key (or the one given)."""
    return api.post(f"/asns/{asn_id}/receipts", json=body, headers={"Idempotency-Key": key or new_key()})


def receive(api, asn_id: int, **body) -> dict:
    return ok(scan(api, asn_id, **body), 201)


def complete(api, task_id: int, *, key: str | None = None, **body):
    return api.post(f"/tasks/{task_id}/complete", json=body, headers={"Idempotency-Key": key or new_key()})


def open_tasks(api, warehouse: str = "WH1", **params) -> list[dict]:
    return ok(api.get("/tasks", query_string={"warehouse": warehouse, "type": "putaway", "status": "open",
                                              "limit": 500, **params}))["items"]


def stock_of(api, warehouse: str, sku: str, seller: str | None = None) -> dict[str, int]:
    """The GET /stock buckets of one SKU in one warehouse (all zero when it has no row)."""
    params = {"warehouse": warehouse, "sku": sku, **({"seller": seller} if seller else {})}
    items = ok(api.get("/stock", query_string=params))["items"]
    assert len(items) <= 1
    return {b: items[0][b] for b in BUCKET_NAMES} if items else dict.fromkeys(BUCKET_NAMES, 0)


def buckets(**nonzero) -> dict[str, int]:
    """A full set of buckets, zero unless given; available follows sellable and reserved."""
    full = dict.fromkeys(BUCKET_NAMES, 0) | nonzero
    full["available"] = full["sellable"] - full["reserved"]
    return full


def on_hand(api, warehouse: str, location: str) -> dict[tuple[str, str | None, str], int]:
    """What one location holds per (SKU, lot, condition), from GET /stock/locations."""
    items = ok(api.get("/stock/locations", query_string={"warehouse": warehouse, "location": location,
                                                         "limit": 500}))["items"]
    return {(i["sku"], i["lot"], i["condition"]): i["on_hand"] for i in items}


def movements(session, kind: str | None = None) -> list[Movement]:
    stmt = select(Movement).order_by(Movement.id)
    if kind:
        stmt = stmt.where(Movement.kind == kind)
    rows = list(session.scalars(stmt))
    session.commit()
    return rows


def movement_count(session, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(Movement)
    if kind:
        stmt = stmt.where(Movement.kind == kind)
    n = session.scalar(stmt)
    session.commit()
    return n


def table_counts(session, *models) -> dict[str, int]:
    counts = {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in models}
    session.commit()
    return counts


LEDGER_TABLES = (Movement, Posting, Balance)


def new_sku(api, code: str, **fields) -> dict:
    """Create a SKU (for a seller token, of that seller) with barcode "B" + code:
    by default 200 x 100 x 50 mm and 300 g, like the world's SKUs."""
    body = {"code": code, "name": f"Item {code}", "barcodes": [f"B{code}"], "length_mm": 200, "width_mm": 100,
            "height_mm": 50, "weight_g": 300, **fields}
    return ok(api.post("/skus", json=body), 201)
