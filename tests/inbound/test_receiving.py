"""Receiving by scan at the dock (POST /asns/{id}/receipts), and closing an
ASN with its discrepancy report.

Good units post to the dock with a putaway task, damaged ones to quarantine;
every receipt is one ledger movement out of the warehouse's inbound virtual
location; a retried scan never counts twice."""
from __future__ import annotations

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
    on_hand,
    open_tasks,
    receive,
    scan,
    stock_of,
    table_counts,
)
from wms.catalog.models import Lot
from wms.inbound.models import AsnLine, Receipt
from wms.inventory.models import Task


@pytest.fixture
def asn(apis) -> dict:
    """ACME's PO-1001 into WH1: 20 A-1 and 5 A-2."""
    return create_asn(apis.acme)


def lines_of(asn: dict) -> dict[str, tuple[int, int, int]]:
    return {ln["sku"] + (f"/{ln['lot']}" if ln["lot"] else ""): (ln["expected_qty"], ln["received_qty"],
                                                               ln["damaged_qty"]) for ln in asn["lines"]}


def receipts(session) -> list[Receipt]:
    rows = list(session.scalars(select(Receipt).order_by(Receipt.id)))
    session.commit()
    return rows


def ledger(api, sku: str, warehouse: str = "WH1") -> list[dict]:
    return ok(api.get("/ledger", query_string={"warehouse": warehouse, "sku": sku, "seller": "ACME",
                                               "limit": 500}))["items"]


# --- good and damaged units -------------------------------------------------------

def test_a_good_scan_posts_the_units_to_the_dock_and_starts_receiving(apis, asn):
    after = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=8)

    assert after["status"] == "receiving"
    assert lines_of(after) == {"A-1": (20, 8, 0), "A-2": (5, 0, 0)}
    assert on_hand(apis.admin, "WH1", "DOCK") == {("A-1", None, "good"): 8}
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(expected=12, receiving=8, sellable=10)


def test_a_receipt_is_one_ledger_movement_from_the_inbound_location(apis, asn):
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=8)

    receipts = [m for m in ledger(apis.acme, "A-1") if m["kind"] == "receipt"]
    assert len(receipts) == 1
    assert receipts[0]["reference"] == "asn:PO-1001"
    assert sorted((p["location"], p["qty"], p["condition"]) for p in receipts[0]["postings"]) == [
        ("@INBOUND", -8, "good"), ("DOCK", 8, "good")]


def test_a_good_scan_creates_a_putaway_task_from_the_dock(apis, asn):
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=8)

    [task] = open_tasks(apis.wh1_operator)
    assert (task["sku"], task["seller"], task["qty"], task["from_location"]) == ("A-1", "ACME", 8, "DOCK")
    assert (task["source_type"], task["source_id"]) == ("asn", asn["id"])
    assert task["suggested_location"] == "A01-01-1"  # the bin that already holds A-1


def test_damaged_units_go_to_quarantine_as_unsellable_without_a_putaway_task(apis, asn):
    after = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=3, condition="damaged")

    assert lines_of(after)["A-1"] == (20, 3, 3)
    assert on_hand(apis.admin, "WH1", "QUARANTINE") == {("A-1", None, "damaged"): 3}
    assert on_hand(apis.admin, "WH1", "DOCK") == {}
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(expected=17, unsellable=3, sellable=10)
    assert open_tasks(apis.wh1_operator) == []
    [movement] = [m for m in ledger(apis.acme, "A-1") if m["kind"] == "receipt"]
    assert sorted((p["location"], p["qty"], p["condition"]) for p in movement["postings"]) == [
        ("@INBOUND", -3, "damaged"), ("QUARANTINE", 3, "damaged")]


def test_a_scan_may_name_the_sku_by_code_or_by_id_instead_of_a_barcode(apis, asn):
    receive(apis.wh1_operator, asn["id"], sku="A-2", qty=2)
    after = receive(apis.wh1_operator, asn["id"], sku=asn["lines"][1]["sku_id"], qty=1)

    assert lines_of(after)["A-2"] == (5, 3, 0)


def test_an_admin_may_receive_too(apis, asn):
    assert lines_of(receive(apis.admin, asn["id"], barcode="BA-2", qty=5))["A-2"] == (5, 5, 0)


# --- lots and expiry ----------------------------------------------------------------

@pytest.fixture
def tracked(apis) -> dict:
    """ACME's L-1 (lot-tracked) and E-1 (lot- and expiry-tracked) on PO-2000 into WH1."""
    new_sku(apis.acme, "L-1", lot_tracked=True)
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)
    return create_asn(apis.acme, reference="PO-2000", lines=[{"sku": "L-1", "qty": 10}, {"sku": "E-1", "qty": 10}])


def test_a_lot_tracked_sku_is_received_with_its_lot(apis, tracked):
    after = receive(apis.wh1_operator, tracked["id"], barcode="BL-1", qty=4, lot="L2024-01")

    assert lines_of(after)["L-1"] == (10, 4, 0)
    assert on_hand(apis.admin, "WH1", "DOCK") == {("L-1", "L2024-01", "good"): 4}
    [task] = open_tasks(apis.wh1_operator)
    assert task["lot"] == "L2024-01"


def test_a_lot_tracked_sku_without_a_lot_is_refused_naming_the_lot(apis, tracked, session):
    body = assert_problem(scan(apis.wh1_operator, tracked["id"], barcode="BL-1", qty=4), 422, "validation_error",
                          "lot")
    assert "L-1" in body["errors"]["lot"]
    assert movement_count(session, "receipt") == 0
    assert ok(apis.acme.get(f"/asns/{tracked['id']}"))["status"] == "expected"


def test_an_expiry_tracked_sku_without_an_expiry_is_refused_naming_the_expiry(apis, tracked, session):
    assert_problem(scan(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=4, lot="E-LOT"), 422,
                   "validation_error", "expiry")
    assert_problem(scan(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=4, expiry="2031-06-30"), 422,
                   "validation_error", "lot")
    assert movement_count(session, "receipt") == 0
    assert table_counts(session, Lot)["lots"] == 0


def test_an_expiry_tracked_sku_is_received_with_lot_and_expiry(apis, tracked):
    receive(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=4, lot="E-LOT", expiry="2031-06-30")
    after = receive(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=2, lot="E-LOT", expiry="2031-06-30")

    assert lines_of(after)["E-1"] == (10, 6, 0)
    assert on_hand(apis.admin, "WH1", "DOCK") == {("E-1", "E-LOT", "good"): 6}


def test_a_lot_keeps_the_expiry_it_was_first_received_with(apis, tracked, session):
    receive(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=4, lot="E-LOT", expiry="2031-06-30")

    body = assert_problem(scan(apis.wh1_operator, tracked["id"], barcode="BE-1", qty=1, lot="E-LOT",
                               expiry="2031-07-01"), 422, "validation_error", "expiry")
    assert "2031-06-30" in body["errors"]["expiry"]
    assert movement_count(session, "receipt") == 1


def test_a_lot_announced_on_the_asn_is_received_against_its_line(apis):
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)
    asn = create_asn(apis.acme, lines=[{"sku": "E-1", "qty": 6, "lot": "E-9", "expiry": "2031-01-31"}])

    after = receive(apis.wh1_operator, asn["id"], barcode="BE-1", qty=6, lot="E-9", expiry="2031-01-31")

    assert lines_of(after) == {"E-1/E-9": (6, 6, 0)}
    assert stock_of(apis.acme, "WH1", "E-1")["expected"] == 0


def test_a_line_announced_without_a_lot_takes_whichever_lots_arrive(apis, tracked):
    receive(apis.wh1_operator, tracked["id"], barcode="BL-1", qty=4, lot="LA")
    after = receive(apis.wh1_operator, tracked["id"], barcode="BL-1", qty=5, lot="LB")

    assert lines_of(after)["L-1"] == (10, 9, 0)
    assert on_hand(apis.admin, "WH1", "DOCK") == {("L-1", "LA", "good"): 4, ("L-1", "LB", "good"): 5}


def test_units_of_a_sku_without_lots_count_against_its_line_announced_with_a_lot(apis):
    asn = create_asn(apis.acme, lines=[{"sku": "A-2", "qty": 3, "lot": "BATCH-9"}, {"sku": "A-1", "qty": 1}])

    after = receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=3)

    assert lines_of(after) == {"A-2/BATCH-9": (3, 3, 0), "A-1": (1, 0, 0)}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(receiving=3)


# --- unknown, extra and unplanned units -----------------------------------------------

def test_an_unknown_barcode_is_refused_as_unknown_barcode(apis, asn, session):
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="NO-SUCH-CODE", qty=1), 422, "unknown_barcode",
                   "barcode")
    assert movement_count(session, "receipt") == 0


def test_another_sellers_barcode_is_unknown_on_this_sellers_asn(apis, asn, session):
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BB-1", qty=1), 422, "unknown_barcode", "barcode")
    assert_problem(scan(apis.wh1_operator, asn["id"], sku="B-1", qty=1), 422, "validation_error", "sku")
    assert movement_count(session, "receipt") == 0


def test_units_beyond_the_expected_quantity_are_accepted_when_confirmed_and_reported_over(apis, asn, session):
    receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=4)
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-2", qty=3), 409, "over_receipt", "confirm")
    after = receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=3, confirm=["over_receipt"],
                    reason="two extra in a carton")

    assert lines_of(after)["A-2"] == (5, 7, 0)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(receiving=7)
    flags = [(r.qty, r.over, r.unplanned) for r in receipts(session)]
    assert flags == [(4, False, False), (3, True, False)]


def test_a_sku_not_on_the_asn_is_accepted_on_an_unplanned_line_when_confirmed(apis, session):
    asn = create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 5}])

    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BA-2", qty=2), 409, "not_on_asn", "confirm")
    after = receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=2, confirm=["not_on_asn"])

    [unplanned] = [ln for ln in after["lines"] if ln["sku"] == "A-2"]
    assert (unplanned["expected_qty"], unplanned["received_qty"], unplanned["unplanned"]) == (0, 2, True)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(receiving=2)
    assert [(r.qty, r.over, r.unplanned) for r in receipts(session)] == [(2, True, True)]


def test_an_unplanned_sku_that_is_lot_tracked_still_needs_its_lot(apis, asn, session):
    new_sku(apis.acme, "L-1", lot_tracked=True)

    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BL-1", qty=1), 422, "validation_error", "lot")
    assert table_counts(session, AsnLine)["asn_lines"] == 2


# --- retries: the same scan sent again never counts twice -----------------------------

def test_the_same_scan_sent_ten_times_with_one_key_counts_once(apis, asn, session):
    responses = [scan(apis.wh1_operator, asn["id"], key="handheld-7:0001", barcode="BA-1", qty=6)
                 for _ in range(10)]

    assert [r.status_code for r in responses] == [201] * 10
    assert [r.headers.get("Idempotent-Replayed") for r in responses] == [None] + ["true"] * 9
    assert all(r.get_json() == responses[0].get_json() for r in responses)
    assert movement_count(session, "receipt") == 1
    assert lines_of(ok(apis.acme.get(f"/asns/{asn['id']}")))["A-1"] == (20, 6, 0)
    assert len(open_tasks(apis.wh1_operator)) == 1
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(expected=14, receiving=6, sellable=10)


def test_two_scans_with_different_keys_are_two_receipts(apis, asn, session):
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=6)
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=6)

    assert movement_count(session, "receipt") == 2
    assert lines_of(ok(apis.acme.get(f"/asns/{asn['id']}")))["A-1"] == (20, 12, 0)


def test_a_key_reused_for_a_different_scan_is_refused_and_changes_nothing(apis, asn, session):
    receive(apis.wh1_operator, asn["id"], key="k-1", barcode="BA-1", qty=6)

    assert_problem(scan(apis.wh1_operator, asn["id"], key="k-1", barcode="BA-1", qty=7), 422,
                   "idempotency_key_reused", "Idempotency-Key")
    assert movement_count(session, "receipt") == 1
    assert lines_of(ok(apis.acme.get(f"/asns/{asn['id']}")))["A-1"] == (20, 6, 0)


def test_a_scan_without_an_idempotency_key_is_refused(apis, asn, session):
    r = apis.wh1_operator.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-1", "qty": 1})

    assert_problem(r, 400, "bad_request", "Idempotency-Key")
    assert movement_count(session, "receipt") == 0


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\tbed"])
def test_a_malformed_idempotency_key_is_refused(apis, asn, session, key):
    r = apis.wh1_operator.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-1", "qty": 1},
                               headers={"Idempotency-Key": key})
    assert_problem(r, 400, "bad_request", "Idempotency-Key")
    assert movement_count(session, "receipt") == 0


# --- who may scan, and what ------------------------------------------------------

def test_a_seller_cannot_scan_units_in(apis, asn, session):
    assert_problem(scan(apis.acme, asn["id"], barcode="BA-1", qty=1), 403, "forbidden")
    assert_problem(scan(apis.beta, asn["id"], barcode="BA-1", qty=1), 403, "forbidden")
    assert movement_count(session, "receipt") == 0


def test_an_operator_of_another_warehouse_does_not_find_the_asn(apis, asn, session):
    assert_problem(scan(apis.wh2_operator, asn["id"], barcode="BA-1", qty=1), 404, "not_found")
    assert_problem(scan(apis.wh1_operator, 999999, barcode="BA-1", qty=1), 404, "not_found")
    assert movement_count(session, "receipt") == 0


BAD_SCANS = [
    pytest.param({"barcode": "BA-1", "sku": "A-1", "qty": 1}, "barcode", id="barcode-and-sku"),
    pytest.param({"qty": 1}, "barcode", id="neither-barcode-nor-sku"),
    pytest.param({"barcode": "BA-1"}, "qty", id="no-qty"),
    pytest.param({"barcode": "BA-1", "qty": 0}, "qty", id="zero-qty"),
    pytest.param({"barcode": "BA-1", "qty": -2}, "qty", id="negative-qty"),
    pytest.param({"barcode": "BA-1", "qty": "2"}, "qty", id="qty-as-string"),
    pytest.param({"barcode": "BA-1", "qty": 1.5}, "qty", id="fractional-qty"),
    pytest.param({"barcode": "BA-1", "qty": 2_000_000}, "qty", id="absurd-qty"),
    pytest.param({"barcode": "", "qty": 1}, "barcode", id="empty-barcode"),
    pytest.param({"barcode": "BA-1", "qty": 1, "condition": "crushed"}, "condition", id="unknown-condition"),
    pytest.param({"barcode": "BA-1", "qty": 1, "expiry": "31/12/2031"}, "expiry", id="bad-expiry"),
    pytest.param({"barcode": "BA-1", "qty": 1, "lot": ""}, "lot", id="empty-lot"),
    pytest.param({"sku": True, "qty": 1}, "sku", id="sku-not-a-reference"),
    pytest.param({"sku": "NOPE", "qty": 1}, "sku", id="unknown-sku"),
    pytest.param({"barcode": "BA-1", "qty": 1, "extra": 1}, "extra", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_SCANS)
def test_a_bad_scan_is_refused_naming_the_field_and_changes_nothing(apis, asn, session, body, field):
    before = table_counts(session, *LEDGER_TABLES, AsnLine, Receipt, Task)

    assert_problem(scan(apis.wh1_operator, asn["id"], **body), 422, "validation_error", field)

    assert table_counts(session, *LEDGER_TABLES, AsnLine, Receipt, Task) == before
    assert ok(apis.acme.get(f"/asns/{asn['id']}")) == asn


# --- closing with a discrepancy report ------------------------------------------------

@pytest.fixture
def mixed_delivery(apis) -> dict:
    """ACME's PO-3000 into WH1 announces 20 A-1, 5 A-2 and 6 A-3. What came:
    12 good and 3 damaged A-1 (5 short), 7 A-2 (2 over), 6 A-3 (exact) and
    4 A-4, which was not announced."""
    new_sku(apis.acme, "A-3")
    new_sku(apis.acme, "A-4")
    asn = create_asn(apis.acme, reference="PO-3000",
                     lines=[{"sku": "A-1", "qty": 20}, {"sku": "A-2", "qty": 5}, {"sku": "A-3", "qty": 6}])
    op = apis.wh1_operator
    receive(op, asn["id"], barcode="BA-1", qty=10)
    receive(op, asn["id"], barcode="BA-1", qty=3, condition="damaged")
    receive(op, asn["id"], barcode="BA-1", qty=2)
    receive(op, asn["id"], barcode="BA-2", qty=7, confirm=["over_receipt"], reason="ASN undercounted")
    receive(op, asn["id"], sku="A-3", qty=6)
    receive(op, asn["id"], barcode="BA-4", qty=4, confirm=["not_on_asn"])
    return asn


REPORT = [
    {"sku": "A-1", "lot": None, "expected_qty": 20, "received_qty": 15, "damaged_qty": 3, "short_qty": 5,
     "over_qty": 0, "unplanned": False},
    {"sku": "A-2", "lot": None, "expected_qty": 5, "received_qty": 7, "damaged_qty": 0, "short_qty": 0,
     "over_qty": 2, "unplanned": False},
    {"sku": "A-4", "lot": None, "expected_qty": 0, "received_qty": 4, "damaged_qty": 0, "short_qty": 0,
     "over_qty": 4, "unplanned": True},
]


def report_of(asn: dict) -> list[dict]:
    return [{k: v for k, v in d.items() if k != "sku_id"} for d in asn["discrepancies"]]


def test_closing_reports_short_over_damaged_and_unplanned_lines_exactly(apis, mixed_delivery):
    closed = ok(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"))

    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert report_of(closed) == REPORT
    assert lines_of(closed) == {"A-1": (20, 15, 3), "A-2": (5, 7, 0), "A-3": (6, 6, 0), "A-4": (0, 4, 0)}


def test_the_seller_reads_the_discrepancy_report_of_its_closed_asn(apis, mixed_delivery):
    ok(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"))

    assert report_of(ok(apis.acme.get(f"/asns/{mixed_delivery['id']}"))) == REPORT
    [listed] = ok(apis.acme.get("/asns", query_string={"status": "closed"}))["items"]
    assert report_of(listed) == REPORT
    assert_problem(apis.beta.get(f"/asns/{mixed_delivery['id']}"), 404, "not_found")


def test_closing_twice_is_an_invalid_state(apis, mixed_delivery, session):
    ok(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"))
    movements_before = movement_count(session)

    assert_problem(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"), 409, "invalid_state")
    assert movement_count(session) == movements_before
    assert stock_of(apis.acme, "WH1", "A-1")["expected"] == 0


def test_closing_stops_counting_the_short_units_as_expected(apis, mixed_delivery):
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(expected=5, receiving=12, unsellable=3, sellable=10)

    ok(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(receiving=12, unsellable=3, sellable=10)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(receiving=7)


def test_a_closed_asn_takes_no_more_scans(apis, mixed_delivery, session):
    ok(apis.wh1_operator.post(f"/asns/{mixed_delivery['id']}/close"))
    before = movement_count(session, "receipt")

    assert_problem(scan(apis.wh1_operator, mixed_delivery["id"], barcode="BA-1", qty=5), 409, "invalid_state")
    assert movement_count(session, "receipt") == before


def test_closing_an_asn_that_received_nothing_reports_every_line_short(apis, asn):
    closed = ok(apis.wh1_operator.post(f"/asns/{asn['id']}/close"))

    assert [(d["sku"], d["expected_qty"], d["received_qty"], d["short_qty"], d["over_qty"])
            for d in closed["discrepancies"]] == [("A-1", 20, 0, 20, 0), ("A-2", 5, 0, 5, 0)]
    assert stock_of(apis.acme, "WH1", "A-2") == buckets()


def test_an_exact_delivery_closes_with_an_empty_report(apis, asn):
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=20)
    receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=5)

    assert ok(apis.wh1_operator.post(f"/asns/{asn['id']}/close"))["discrepancies"] == []


def test_while_open_an_asn_shows_no_report(apis, asn):
    assert "discrepancies" not in ok(apis.acme.get(f"/asns/{asn['id']}"))


def test_only_operators_of_the_warehouse_and_admins_close_asns(apis, asn):
    assert_problem(apis.acme.post(f"/asns/{asn['id']}/close"), 403, "forbidden")
    assert_problem(apis.beta.post(f"/asns/{asn['id']}/close"), 403, "forbidden")
    assert_problem(apis.wh2_operator.post(f"/asns/{asn['id']}/close"), 404, "not_found")
    assert_problem(apis.wh1_operator.post("/asns/999999/close"), 404, "not_found")
    assert ok(apis.admin.post(f"/asns/{asn['id']}/close"))["status"] == "closed"


def test_a_lot_announced_but_a_different_lot_received_reports_both_lines(apis):
    new_sku(apis.acme, "L-1", lot_tracked=True)
    asn = create_asn(apis.acme, lines=[{"sku": "L-1", "qty": 6, "lot": "LOT-A"}])
    assert_problem(scan(apis.wh1_operator, asn["id"], barcode="BL-1", qty=6, lot="LOT-B"), 409, "lot_not_on_asn")
    receive(apis.wh1_operator, asn["id"], barcode="BL-1", qty=6, lot="LOT-B", confirm=["lot_not_on_asn"])

    closed = ok(apis.wh1_operator.post(f"/asns/{asn['id']}/close"))

    assert [(d["lot"], d["expected_qty"], d["received_qty"], d["short_qty"], d["over_qty"], d["unplanned"])
            for d in closed["discrepancies"]] == [("LOT-A", 6, 0, 6, 0, False), ("LOT-B", 0, 6, 0, 6, True)]

