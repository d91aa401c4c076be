"""Receiving guards: one slip at the dock must not put phantom stock on the
books. Beyond the seller's over-receipt tolerance, an item or a lot the ASN
does not name, an expired lot: each is refused (409 with its own code, or
422) and changes nothing until the request confirms it; a short-dated lot is
taken in with a warning. The rules live in the service, so the API and the
handheld screens get the same answers."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.inbound.conftest import (
    LEDGER_TABLES,
    assert_problem,
    buckets,
    create_asn,
    movement_count,
    new_sku,
    ok,
    receive,
    scan,
    stock_of,
    table_counts,
)
from wms.inbound.models import AsnLine, Receipt
from wms.inbound.services import over_receipt_limit


@pytest.fixture
def asn(apis) -> dict:
    """ACME's PO-1001 into WH1: 20 A-1 and 5 A-2."""
    return create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 24}, {"sku": "A-2", "qty": 5}])


def line(asn: dict, sku: str) -> tuple[int, int, int]:
    [found] = [ln for ln in asn["lines"] if ln["sku"] == sku]
    return found["expected_qty"], found["received_qty"], found["damaged_qty"]


@pytest.mark.parametrize(("expected", "pct", "limit"), [(24, 5, 25), (20, 5, 21), (5, 5, 5), (100, 10, 110),
                                                        (24, 0, 24), (0, 5, 0)])
def test_the_over_receipt_limit_is_the_expected_quantity_plus_the_tolerance_rounded_down(expected, pct, limit):
    assert over_receipt_limit(expected, pct) == limit


def test_5000_units_on_a_line_of_24_are_refused_until_confirmed_and_change_nothing(apis, asn, session):
    before = table_counts(session, *LEDGER_TABLES)

    problem = assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-1", qty=5000), 409, "over_receipt",
                             "confirm", "qty")

    assert "5000 received against 24 expected" in problem["detail"]
    assert table_counts(session, *LEDGER_TABLES) == before
    assert line(ok(apis.wh1_operator.get(f"/asns/{asn['id']}")), "A-1") == (24, 0, 0)


def test_units_within_the_sellers_tolerance_need_no_confirmation(apis, asn):
    after = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=25)  # 24 + 5% rounded down

    assert line(after, "A-1") == (24, 25, 0)


def test_a_confirmed_over_receipt_needs_a_reason_and_records_it(apis, asn, session):
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-1", qty=30, confirm=["over_receipt"]), 422,
                   "validation_error", "reason")
    assert movement_count(session, "receipt") == 0

    done = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=30, confirm=["over_receipt"],
                   reason="ASN undercounted")

    assert line(done, "A-1") == (24, 30, 0)
    assert done["receipt"]["reason"] == "ASN undercounted" and done["receipt"]["over"] is True
    assert session.scalars(select(Receipt)).one().reason == "ASN undercounted"
    session.commit()


def test_the_tolerance_is_the_sellers_and_an_admin_changes_it(apis, asn):
    assert ok(apis.admin.patch("/sellers/ACME", json={"over_receipt_tolerance_pct": 50}))[
        "over_receipt_tolerance_pct"] == 50

    assert line(receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=36), "A-1") == (24, 36, 0)
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1), 409, "over_receipt")
    assert_problem(apis.acme.patch("/sellers/ACME", json={"over_receipt_tolerance_pct": 100}), 403, "forbidden")
    assert_problem(apis.admin.patch("/sellers/ACME", json={"over_receipt_tolerance_pct": -1}), 422,
                   "validation_error", "over_receipt_tolerance_pct")


def test_an_item_not_on_the_asn_asks_for_a_confirmation_every_time(apis, asn, session):
    new_sku(apis.acme, "A-3")

    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-3", qty=1), 409, "not_on_asn", "confirm")
    assert table_counts(session, AsnLine)["asn_lines"] == 2

    receive(apis.wh1_operator, asn["id"], barcode="BA-3", qty=1, confirm=["not_on_asn"])
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-3", qty=1), 409, "not_on_asn")
    assert stock_of(apis.acme, "WH1", "A-3") == buckets(receiving=1)


def test_confirming_one_doubt_does_not_confirm_another(apis, asn, session):
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-1", qty=500, confirm=["not_on_asn"]), 409,
                   "over_receipt")
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1, confirm=["no_such_doubt"]), 422,
                   "validation_error", "confirm.0")
    assert movement_count(session, "receipt") == 0


def test_a_lot_not_on_the_asn_asks_for_a_confirmation(apis, session):
    new_sku(apis.acme, "L-1", lot_tracked=True)
    asn = create_asn(apis.acme, lines=[{"sku": "L-1", "qty": 6, "lot": "LOT-A"}])

    problem = assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BL-1", qty=1, lot="LOT-B"), 409,
                             "lot_not_on_asn")

    assert "LOT-A" in problem["detail"]
    assert line(receive(apis.wh1_operator, asn["id"], barcode="BL-1", qty=1, lot="LOT-A"), "L-1") == (6, 1, 0)
    assert movement_count(session, "receipt") == 1


@pytest.fixture
def perishable(apis) -> dict:
    new_sku(apis.acme, "MILK", lot_tracked=True, expiry_tracked=True)
    return create_asn(apis.acme, reference="PO-MILK", lines=[{"sku": "MILK", "qty": 50}])


def test_an_expired_lot_is_refused_as_good(apis, perishable, session):
    problem = assert_problem(scan(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=1, lot="L2020",
                                  expiry="2020-03-01", confirm=["over_receipt"], reason="x"), 422,
                             "expired_lot", "expiry")

    assert "expired on 2020-03-01" in problem["detail"]
    assert movement_count(session, "receipt") == 0


def test_an_expired_lot_comes_in_as_damaged_with_a_reason(apis, perishable, session):
    assert_problem(scan(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=2, lot="L2020",
                        expiry="2020-03-01", condition="damaged"), 422, "validation_error", "reason")

    done = receive(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=2, lot="L2020", expiry="2020-03-01",
                   condition="damaged", reason="expired")

    assert line(done, "MILK") == (50, 2, 2)
    assert stock_of(apis.acme, "WH1", "MILK") == buckets(unsellable=2, expected=48)


def test_a_lot_recorded_as_expired_is_refused_without_its_expiry_typed_again(apis, perishable):
    receive(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=1, lot="L2020", expiry="2020-03-01",
            condition="damaged", reason="expired")
    assert_problem(scan(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=1, lot="L2020"), 422,
                   "validation_error", "expiry")  # an expiry-tracked SKU still needs its date typed
    new_sku(apis.acme, "JAM", lot_tracked=True)
    jam = create_asn(apis.acme, reference="PO-JAM", lines=[{"sku": "JAM", "qty": 5}])
    receive(apis.wh1_operator, jam["id"], barcode="BJAM", qty=1, lot="J1", expiry="2020-01-01",
            condition="damaged", reason="expired")
    assert_problem(scan(apis.wh1_operator, jam["id"], barcode="BJAM", qty=1, lot="J1"), 422, "expired_lot")


def test_a_lot_with_less_shelf_life_than_the_sellers_minimum_comes_in_with_a_warning(apis, perishable, session):
    ok(apis.admin.patch("/sellers/ACME", json={"min_shelf_life_days": 90}))
    soon = (date.today() + timedelta(days=30)).isoformat()
    later = (date.today() + timedelta(days=400)).isoformat()

    warned = receive(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=1, lot="SOON", expiry=soon)
    fine = receive(apis.wh1_operator, perishable["id"], barcode="BMILK", qty=1, lot="LATER", expiry=later)

    assert [w["code"] for w in warned["warnings"]] == ["short_shelf_life"]
    assert "under ACME's minimum of 90" in warned["warnings"][0]["detail"]
    assert warned["receipt"]["short_dated"] is True
    assert fine["warnings"] == [] and fine["receipt"]["short_dated"] is False
    assert line(fine, "MILK") == (50, 2, 0)
