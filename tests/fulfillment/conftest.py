"""Fixtures and helpers for the fulfillment tests: orders, allocation and
backorders, waves and pick lists, picking, packing and shipping.

`world` is tests.factories.make_world: warehouses WH1 (US) and WH2 (DE),
each with a small generated layout (storage bins A01-01-1 .. A03-08-2, DOCK,
PACK, SHIP, QUARANTINE), sellers ACME (SKUs A-1, A-2) and BETA (B-1, B-2),
barcodes "B" + code, and some stock: WH1 A01-01-1 holds 10 A-1, WH1 A01-02-1
holds 7 B-1, WH2 A01-01-1 holds 5 A-1.

Tests look at the database only through `session` (or the API) and end
each read with a commit, so that the savepoint a read opens never swallows
the writes of the requests that follow it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.api.conftest import assert_problem, nothing_written  # noqa: F401  (helpers and a fixture, reused)
from tests.factories import World, make_world
from wms import cache as wms_cache
from wms.extensions import load_extensions
from wms.inventory.models import Task
from wms.ledger.models import Movement, Reservation

BUCKET_NAMES = ("expected", "receiving", "sellable", "reserved", "available", "unsellable", "in_transit", "picked")
SHIP_TO_US = {"name": "Ada Lovelace", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}
SHIP_TO_DE = {"name": "Emmy Noether", "line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115",
              "country": "DE"}


@pytest.fixture(autouse=True)
def _fresh_bin_cache():
    """The putaway planner caches each warehouse's bins per process, keyed by
    location ids that rolled-back tests reuse: each test starts afresh."""
    wms_cache.clear_all()
    yield
    wms_cache.clear_all()


@pytest.fixture(autouse=True)
def _backorders_follow_arrivals():
    """What create_app and the wms CLI do: stock arriving allocates backorders."""
    load_extensions()


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
    acme_channel: object  # ACME's channel 1
    acme_channel2: object  # ACME's channel 2

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
        acme_channel2=make_api("channel", seller="ACME", channel=2),
    )


_refs = itertools.count(1)
_keys = itertools.count(1)


def new_key() -> str:
    return f"pick-{next(_keys)}"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def order_body(*lines: tuple[str, int], **overrides) -> dict:
    """A valid POST /orders body for a seller token: 3 A-1 to Austin (US)
    unless lines are given; a fresh reference each time. None drops a field."""
    body = {
        "reference": f"SO-{next(_refs)}",
        "ship_to": dict(SHIP_TO_US),
        "lines": [{"sku": sku, "qty": qty} for sku, qty in (lines or (("A-1", 3),))],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def place(api, *lines: tuple[str, int], **overrides) -> dict:
    """Create an order and return its view (201 expected)."""
    return ok(api.post("/orders", json=order_body(*lines, **overrides)), 201)


def get_order(api, order_id: int) -> dict:
    return ok(api.get(f"/orders/{order_id}"))


def plan(api, warehouse: str = "WH1", **body) -> dict:
    """Plan a wave (201 expected); a short time limit keeps the tests quick."""
    return ok(api.post(f"/warehouses/{warehouse}/waves", json={"time_limit_s": 0.5, **body}), 201)


def confirm(api, pick_list_id: int, seq: int, *, key: str | None = None, **body):
    """POST a pick confirmation with its own Idempotency-Key (or the one given)."""
    return api.post(f"/pick-lists/{pick_list_id}/picks/{seq}/confirm", json=body,
                    headers={"Idempotency-Key": key or new_key()})


def pick_everything(api, wave: dict) -> None:
    """Confirm every pick of a wave in full, scanning the right bin and barcode."""
    for pick_list in wave["pick_lists"]:
        for pick in pick_list["picks"]:
            ok(confirm(api, pick_list["id"], pick["seq"], location=pick["location"], barcode="B" + pick["sku"],
                       qty=pick["qty"]))


def cartons_for(order: dict) -> list[dict]:
    """One carton holding exactly what was picked for the order."""
    return [{"length_mm": 400, "width_mm": 300, "height_mm": 200, "weight_g": 1500,
             "lines": [{"sku": ln["sku"], "qty": ln["picked_qty"]} for ln in order["lines"] if ln["picked_qty"]]}]


def stock_of(api, warehouse: str, sku: str, seller: str | None = "ACME") -> dict[str, int]:
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


def on_hand(api, warehouse: str, location: str) -> dict[str, int]:
    """Units per SKU code in one location, from GET /stock/locations."""
    items = ok(api.get("/stock/locations", query_string={"warehouse": warehouse, "location": location,
                                                         "limit": 500}))["items"]
    held: dict[str, int] = {}
    for item in items:
        held[item["sku"]] = held.get(item["sku"], 0) + item["on_hand"]
    return {sku: q for sku, q in held.items() if q}


def movement_count(session, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(Movement)
    if kind:
        stmt = stmt.where(Movement.kind == kind)
    n = session.scalar(stmt)
    session.commit()
    return n


def open_tasks(session, type_: str, **where) -> list[Task]:
    stmt = select(Task).where(Task.type == type_, Task.status == "open").order_by(Task.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Task, name) == value)
    rows = list(session.scalars(stmt.execution_options(populate_existing=True)))
    session.commit()
    return rows


def open_reserved(session, sku_id: int) -> int:
    """Units held by open reservations of a SKU, in every warehouse."""
    n = session.scalar(select(func.coalesce(func.sum(Reservation.qty - Reservation.consumed_qty
                                                     - Reservation.released_qty), 0))
                       .where(Reservation.sku_id == sku_id, Reservation.status == "open"))
    session.commit()
    return int(n)
