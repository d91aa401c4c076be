"""Issue 13 D9: quantities that accumulate over many requests (a bin's
balance, a SKU's stock level buckets, an ASN line's received total, a count's
snapshot of a balance, a listing's desired quantity) are BIGINT on
PostgreSQL (SQLite's INTEGER is 64-bit), so they pass 2^31 - 1 instead of
answering 500 (or 422 "out of range"); a single posting stays within 32 bits
and one that would not is refused by the ledger, naming `qty`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.conftest import adjustment, assert_problem
from tests.factories import ADMIN
from wms.catalog.models import Seller, Sku
from wms.checks import run_checks
from wms.db import INT32_MAX
from wms.errors import ValidationFailed
from wms.facility.models import Location, Warehouse
from wms.ledger.models import Balance, StockLevel
from wms.ledger.rules import PostingLine
from wms.ledger.services import change_expected, post_movement

BIG = 2_000_000_000  # each within 32 bits; two of them are not


def ids(session):
    wh = session.scalar(select(Warehouse).where(Warehouse.code == "WH1"))
    sku = session.scalar(select(Sku).where(Sku.code == "A-1"))
    seller = session.scalar(select(Seller.id).where(Seller.code == "ACME"))
    bin_ = session.scalar(select(Location).where(Location.warehouse_id == wh.id, Location.code == "A01-01-1"))
    adjust = session.scalar(select(Location).where(Location.warehouse_id == wh.id, Location.code == "@ADJUSTMENT"))
    return wh, sku, seller, bin_, adjust


def found(session, wh, sku, bin_, qty):
    post_movement(session, warehouse_id=wh.id, kind="adjustment", reason="found", actor=ADMIN,
                  lines=[PostingLine(bin_.id, sku.id, qty), PostingLine(ADJUSTMENT_ID[0], sku.id, -qty)])
    session.commit()


ADJUSTMENT_ID: list[int] = []


@pytest.fixture
def places(world, session):
    wh, sku, seller, bin_, adjust = ids(session)
    ADJUSTMENT_ID[:] = [adjust.id]
    session.commit()
    return wh, sku, seller, bin_


def test_a_bin_and_its_stock_level_grow_past_two_to_the_31(apis, session, places):
    wh, sku, _seller, bin_ = places
    found(session, wh, sku, bin_, BIG)

    r = apis.admin.post("/adjustments", json=adjustment(qty=1_000_000))
    assert r.status_code == 201, r.get_data(as_text=True)
    found(session, wh, sku, bin_, BIG)

    held = session.scalar(select(Balance.qty).where(Balance.location_id == bin_.id, Balance.sku_id == sku.id))
    assert held == 2 * BIG + 1_000_000 + 10  # the world's 10 A-1 were there already
    stock = apis.acme.get("/stock", query_string={"warehouse": "WH1", "sku": "A-1"}).get_json()["items"][0]
    assert stock["sellable"] == 2 * BIG + 1_000_010 > INT32_MAX
    assert all(result.ok for result in run_checks(session)), [r for r in run_checks(session) if not r.ok]
    session.commit()


def test_expected_units_on_open_asns_grow_past_two_to_the_31(apis, session, places):
    wh, sku, seller, _bin = places
    change_expected(session, warehouse_id=wh.id, sku_id=sku.id, owner_id=seller, delta=INT32_MAX - 10)
    session.commit()

    r = apis.acme.post("/asns", json={"warehouse": "WH1", "reference": "BIG-2",
                                      "lines": [{"sku": "A-1", "qty": 1_000_000}]})

    assert r.status_code == 201, r.get_data(as_text=True)
    level = session.scalar(select(StockLevel.expected).where(StockLevel.warehouse_id == wh.id,
                                                             StockLevel.sku_id == sku.id))
    assert level == INT32_MAX - 10 + 1_000_000
    session.commit()
    # The units stood for ~2,148 ASNs of a million that this test does not make: take them back out.
    change_expected(session, warehouse_id=wh.id, sku_id=sku.id, owner_id=seller, delta=-(INT32_MAX - 10))
    session.commit()


def test_one_posting_beyond_32_bits_is_refused_naming_qty_and_nothing_is_written(session, places):
    wh, sku, _seller, bin_ = places
    before = session.scalar(select(Balance.qty).where(Balance.location_id == bin_.id, Balance.sku_id == sku.id))
    session.commit()

    with pytest.raises(ValidationFailed) as refused:
        found(session, wh, sku, bin_, INT32_MAX + 1)

    assert "qty" in refused.value.errors
    session.rollback()
    assert session.scalar(select(Balance.qty).where(Balance.location_id == bin_.id, Balance.sku_id == sku.id)) == before


def test_a_count_of_a_bin_holding_more_than_32_bits_records_it_and_refuses_its_variance_by_name(
        apis, session, places):
    """The count's snapshot of the balance is BIGINT; approving its variance
    would be one posting beyond 32 bits, which the ledger refuses, naming qty."""
    wh, sku, _seller, bin_ = places
    found(session, wh, sku, bin_, BIG)
    found(session, wh, sku, bin_, BIG)
    count = apis.admin.post("/counts", json={"warehouse": "WH1", "locations": ["A01-01-1"]})
    assert count.status_code == 201, count.get_data(as_text=True)
    count_id = count.get_json()["id"]

    submitted = apis.admin.post(f"/counts/{count_id}/submit",
                                json={"lines": [{"location": "A01-01-1", "sku": "A-1", "seller": "ACME",
                                                  "counted_qty": 0}]})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "pending_approval"
    approved = apis.admin.post(f"/counts/{count_id}/approve", json={})

    problem = assert_problem(approved, 422, "validation_error")
    assert "qty" in problem["errors"]
    held = session.scalar(select(Balance.qty).where(Balance.location_id == bin_.id, Balance.sku_id == sku.id))
    assert held == 2 * BIG + 10
    session.commit()
