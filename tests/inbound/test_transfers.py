"""Transfers between warehouses (POST /transfers, POST /transfers/{id}/receive):
stock leaves the source's bins into the destination's in-transit virtual
location (in_transit in GET /stock there), and is received at the
destination dock with putaway tasks; what does not arrive is written off
and reported short.

WH1 holds 10 A-1 (in A01-01-1) and 7 B-1; WH2 holds 5 A-1."""
from __future__ import annotations

import pytest

from tests.inbound.conftest import (
    LEDGER_TABLES,
    assert_problem,
    buckets,
    complete,
    create_asn,
    movement_count,
    new_sku,
    ok,
    on_hand,
    open_tasks,
    receive,
    stock_of,
    table_counts,
)
from wms.inventory.models import Transfer, TransferLine


def transfer_body(**overrides) -> dict:
    """6 A-1 of ACME from WH1 to WH2 (an admin's or operator's body)."""
    body = {"from_warehouse": "WH1", "to_warehouse": "WH2", "reference": "TR-1",
            "lines": [{"sku": "A-1", "seller": "ACME", "qty": 6}]}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def send(api, **overrides) -> dict:
    return ok(api.post("/transfers", json=transfer_body(**overrides)), 201)


def ledger_postings(api, kind: str, warehouse: str | None = None) -> list[list[tuple]]:
    query = {"sku": "A-1", "seller": "ACME", "limit": 500, **({"warehouse": warehouse} if warehouse else {})}
    return [sorted((p["location"], p["qty"]) for p in m["postings"])
            for m in ok(api.get("/ledger", query_string=query))["items"] if m["kind"] == kind]


def test_a_transfer_takes_stock_from_the_source_bins_into_transit_to_the_destination(apis):
    transfer = send(apis.admin)

    assert (transfer["status"], transfer["from_warehouse"], transfer["to_warehouse"], transfer["reference"]) == (
        "in_transit", "WH1", "WH2", "TR-1")
    assert [(ln["sku"], ln["seller"], ln["qty"], ln["received_qty"]) for ln in transfer["lines"]] == [
        ("A-1", "ACME", 6, None)]
    assert on_hand(apis.admin, "WH1", "A01-01-1")[("A-1", None, "good")] == 4
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=4)
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, in_transit=6)
    assert ledger_postings(apis.acme, "transfer_out") == [[("@IN_TRANSIT", 6), ("A01-01-1", -6)]]


def test_receiving_a_transfer_in_full_posts_it_to_the_destination_dock_with_putaway_tasks(apis):
    transfer = send(apis.admin)

    received = ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}))

    assert received["status"] == "received"
    assert received["received_at"] is not None
    assert [(ln["qty"], ln["received_qty"], ln["short_qty"]) for ln in received["lines"]] == [(6, 6, 0)]
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, receiving=6)
    assert on_hand(apis.admin, "WH2", "DOCK") == {("A-1", None, "good"): 6}
    [task] = open_tasks(apis.wh2_operator, "WH2")
    assert (task["sku"], task["qty"], task["from_location"], task["suggested_location"]) == ("A-1", 6, "DOCK",
                                                                                           "A01-01-1")
    assert (task["source_type"], task["source_id"]) == ("transfer", transfer["id"])
    assert ledger_postings(apis.acme, "transfer_in") == [[("@IN_TRANSIT", -6), ("DOCK", 6)]]


def test_transferred_units_become_sellable_at_the_destination_once_put_away(apis):
    transfer = send(apis.admin)
    ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}))
    [task] = open_tasks(apis.wh2_operator, "WH2")

    ok(complete(apis.wh2_operator, task["id"], location=task["suggested_location"], qty=6))

    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=11)
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=4)


def test_a_short_transfer_receipt_is_reported_and_the_missing_units_written_off(apis):
    transfer = send(apis.admin)

    received = ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive",
                                         json={"lines": [{"sku": "A-1", "seller": "ACME", "qty": 4}]}))

    assert [(ln["qty"], ln["received_qty"], ln["short_qty"]) for ln in received["lines"]] == [(6, 4, 2)]
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, receiving=4)
    assert [t["qty"] for t in open_tasks(apis.wh2_operator, "WH2")] == [4]
    assert ledger_postings(apis.acme, "transfer_in") == [[("@ADJUSTMENT", 2), ("@IN_TRANSIT", -6), ("DOCK", 4)]]
    assert ok(apis.acme.get(f"/transfers/{transfer['id']}"))["lines"][0]["short_qty"] == 2


def test_a_transfer_of_which_nothing_arrives_is_all_short(apis):
    transfer = send(apis.admin)

    received = ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive",
                                         json={"lines": [{"sku": "A-1", "seller": "ACME", "qty": 0}]}))

    assert [(ln["received_qty"], ln["short_qty"]) for ln in received["lines"]] == [(0, 6)]
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5)
    assert open_tasks(apis.wh2_operator, "WH2") == []


def test_a_transfer_is_received_only_once(apis, session):
    transfer = send(apis.admin)
    ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}))

    assert_problem(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}), 409, "invalid_state")
    assert movement_count(session, "transfer_in") == 1
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, receiving=6)


def test_a_transfer_takes_from_several_bins_fullest_first(apis):
    ok(apis.admin.post("/adjustments", json={"warehouse": "WH1", "location": "A02-01-1", "sku": "A-1",
                                             "seller": "ACME", "qty": 3, "reason": "found"}), 201)

    send(apis.admin, lines=[{"sku": "A-1", "seller": "ACME", "qty": 12}])

    assert ledger_postings(apis.acme, "transfer_out") == [[("@IN_TRANSIT", 12), ("A01-01-1", -10), ("A02-01-1", -2)]]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=1)


def test_a_transfer_of_several_skus_and_sellers_moves_each(apis):
    transfer = send(apis.admin, lines=[{"sku": "A-1", "seller": "ACME", "qty": 2},
                                       {"sku": "B-1", "seller": "BETA", "qty": 7}])

    assert sorted((ln["seller"], ln["sku"], ln["qty"]) for ln in transfer["lines"]) == [
        ("ACME", "A-1", 2), ("BETA", "B-1", 7)]
    assert stock_of(apis.beta, "WH2", "B-1") == buckets(in_transit=7)
    assert stock_of(apis.beta, "WH1", "B-1") == buckets()


def test_lines_naming_the_same_sku_twice_add_up(apis):
    transfer = send(apis.admin, lines=[{"sku": "A-1", "seller": "ACME", "qty": 2},
                                       {"sku": "A-1", "seller": "ACME", "qty": 3}])

    assert [ln["qty"] for ln in transfer["lines"]] == [5]
    assert stock_of(apis.acme, "WH2", "A-1")["in_transit"] == 5


def test_a_transfer_needs_the_units_in_storage_at_the_source(apis, session):
    before = table_counts(session, *LEDGER_TABLES, Transfer, TransferLine)

    assert_problem(apis.admin.post("/transfers", json=transfer_body(lines=[{"sku": "A-1", "seller": "ACME",
                                                                            "qty": 11}])), 409, "insufficient_stock")

    assert table_counts(session, *LEDGER_TABLES, Transfer, TransferLine) == before
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_units_still_at_the_dock_cannot_be_transferred(apis, session):
    asn = create_asn(apis.acme, lines=[{"sku": "A-2", "qty": 5}])
    receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=5)

    assert_problem(apis.admin.post("/transfers", json=transfer_body(lines=[{"sku": "A-2", "seller": "ACME",
                                                                            "qty": 1}])), 409, "insufficient_stock")
    assert movement_count(session, "transfer_out") == 0


def test_a_seller_transfers_its_own_stock_and_follows_it(apis):
    transfer = send(apis.acme, lines=[{"sku": "A-1", "qty": 3}])

    assert ok(apis.acme.get(f"/transfers/{transfer['id']}"))["lines"][0]["qty"] == 3
    assert [t["id"] for t in ok(apis.acme.get("/transfers"))["items"]] == [transfer["id"]]
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, in_transit=3)


def test_an_operator_sends_from_its_warehouse_and_the_destinations_operator_receives(apis):
    transfer = send(apis.wh1_operator)

    assert_problem(apis.wh1_operator.post(f"/transfers/{transfer['id']}/receive", json={}), 404, "not_found")
    assert ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}))["status"] == "received"


def test_transfers_are_listed_by_status(apis):
    first = send(apis.admin, reference="TR-A", lines=[{"sku": "A-1", "seller": "ACME", "qty": 1}])
    second = send(apis.admin, reference="TR-B", lines=[{"sku": "A-1", "seller": "ACME", "qty": 1}])
    ok(apis.wh2_operator.post(f"/transfers/{first['id']}/receive", json={}))

    def ids(api, **query):
        return [t["id"] for t in ok(api.get("/transfers", query_string=query))["items"]]

    assert ids(apis.admin) == [first["id"], second["id"]]
    assert ids(apis.admin, status="received") == [first["id"]]
    assert ids(apis.admin, status="in_transit") == [second["id"]]
    assert_problem(apis.admin.get("/transfers", query_string={"status": "lost"}), 422, "validation_error", "status")


# --- isolation -------------------------------------------------------------------

def test_another_seller_neither_sees_nor_moves_a_sellers_transfer(apis):
    transfer = send(apis.acme, lines=[{"sku": "A-1", "qty": 3}])

    assert_problem(apis.beta.get(f"/transfers/{transfer['id']}"), 404, "not_found")
    assert ok(apis.beta.get("/transfers"))["items"] == []
    assert_problem(apis.beta.post(f"/transfers/{transfer['id']}/receive", json={}), 403, "forbidden")
    assert_problem(apis.beta.post("/transfers", json=transfer_body(lines=[{"sku": "A-1", "qty": 1}])), 422,
                   "validation_error", "lines.0.sku")
    assert_problem(apis.beta.post("/transfers", json=transfer_body(lines=[{"sku": "A-1", "seller": "ACME",
                                                                           "qty": 1}])), 422,
                   "validation_error", "lines.0.sku")
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7)


def test_a_transfer_holding_another_sellers_units_is_hidden_from_a_seller(apis):
    transfer = send(apis.admin, lines=[{"sku": "A-1", "seller": "ACME", "qty": 2},
                                       {"sku": "B-1", "seller": "BETA", "qty": 2}])

    assert_problem(apis.acme.get(f"/transfers/{transfer['id']}"), 404, "not_found")
    assert_problem(apis.beta.get(f"/transfers/{transfer['id']}"), 404, "not_found")
    assert ok(apis.acme.get("/transfers"))["items"] == []
    assert ok(apis.admin.get(f"/transfers/{transfer['id']}"))["id"] == transfer["id"]


def test_a_seller_does_not_receive_transfers(apis):
    transfer = send(apis.acme, lines=[{"sku": "A-1", "qty": 3}])

    assert_problem(apis.acme.post(f"/transfers/{transfer['id']}/receive", json={}), 403, "forbidden")


def test_an_operator_of_neither_warehouse_does_not_find_the_transfer(apis, make_api):
    ok(apis.admin.post("/warehouses", json={"code": "WH3", "name": "Third", "country": "GB",
                                            "timezone": "Europe/London"}), 201)
    wh3_operator = make_api("operator", warehouses=["WH3"])
    transfer = send(apis.admin)

    assert_problem(wh3_operator.get(f"/transfers/{transfer['id']}"), 404, "not_found")
    assert ok(wh3_operator.get("/transfers"))["items"] == []
    assert_problem(wh3_operator.post(f"/transfers/{transfer['id']}/receive", json={}), 404, "not_found")
    assert_problem(apis.admin.get("/transfers/999999"), 404, "not_found")


def test_an_operator_cannot_send_from_a_warehouse_outside_its_scope(apis, session):
    assert_problem(apis.wh2_operator.post("/transfers", json=transfer_body()), 422, "validation_error",
                   "from_warehouse")
    assert movement_count(session, "transfer_out") == 0


# --- bad input --------------------------------------------------------------------

BAD_TRANSFERS = [
    pytest.param({"to_warehouse": "WH1"}, "to_warehouse", id="same-warehouse"),
    pytest.param({"from_warehouse": "NOWHERE"}, "from_warehouse", id="unknown-source"),
    pytest.param({"to_warehouse": "NOWHERE"}, "to_warehouse", id="unknown-destination"),
    pytest.param({"from_warehouse": None}, "from_warehouse", id="no-source"),
    pytest.param({"to_warehouse": None}, "to_warehouse", id="no-destination"),
    pytest.param({"lines": None}, "lines", id="no-lines"),
    pytest.param({"lines": []}, "lines", id="empty-lines"),
    pytest.param({"lines": [{"sku": "A-1", "seller": "ACME", "qty": 0}]}, "lines.0.qty", id="zero-qty"),
    pytest.param({"lines": [{"sku": "A-1", "seller": "ACME", "qty": -3}]}, "lines.0.qty", id="negative-qty"),
    pytest.param({"lines": [{"sku": "A-1", "seller": "ACME", "qty": "3"}]}, "lines.0.qty", id="qty-as-string"),
    pytest.param({"lines": [{"sku": "A-1", "seller": "ACME"}]}, "lines.0.qty", id="no-qty"),
    pytest.param({"lines": [{"sku": "NOPE", "seller": "ACME", "qty": 1}]}, "lines.0.sku", id="unknown-sku"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 1}]}, "lines.0.seller", id="code-without-seller"),
    pytest.param({"lines": [{"sku": "A-1", "seller": "ACME", "qty": 1, "lot": "X"}]}, "lines.0.lot",
                 id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD_TRANSFERS)
def test_a_bad_transfer_is_refused_naming_the_field_and_changes_nothing(apis, session, change, field):
    before = table_counts(session, *LEDGER_TABLES, Transfer, TransferLine)
    body = {k: v for k, v in {**transfer_body(), **change}.items() if v is not None}

    assert_problem(apis.admin.post("/transfers", json=body), 422, "validation_error", field)

    assert table_counts(session, *LEDGER_TABLES, Transfer, TransferLine) == before


BAD_RECEIPTS = [
    pytest.param([{"sku": "B-1", "seller": "BETA", "qty": 1}], "lines.0.sku", id="sku-not-on-the-transfer"),
    pytest.param([{"sku": "A-1", "seller": "ACME", "qty": 7}], "lines.0.qty", id="more-than-shipped"),
    pytest.param([{"sku": "A-1", "seller": "ACME", "qty": 4}, {"sku": "A-1", "seller": "ACME", "qty": 3}],
                 "lines.1.qty", id="more-than-shipped-over-two-lines"),
    pytest.param([{"sku": "A-1", "seller": "ACME", "qty": -1}], "lines.0.qty", id="negative-qty"),
    pytest.param([{"sku": "A-1", "seller": "ACME"}], "lines.0.qty", id="no-qty"),
    pytest.param([{"sku": "NOPE", "seller": "ACME", "qty": 1}], "lines.0.sku", id="unknown-sku"),
    pytest.param([{"sku": "A-1", "qty": 1}], "lines.0.seller", id="code-without-seller"),
    pytest.param("all", "lines", id="lines-not-a-list"),
]


@pytest.mark.parametrize(("lines", "field"), BAD_RECEIPTS)
def test_a_bad_transfer_receipt_is_refused_naming_the_field_and_changes_nothing(apis, session, lines, field):
    transfer = send(apis.admin)
    before = table_counts(session, *LEDGER_TABLES)

    assert_problem(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={"lines": lines}), 422,
                   "validation_error", field)

    assert table_counts(session, *LEDGER_TABLES) == before
    assert ok(apis.admin.get(f"/transfers/{transfer['id']}"))["status"] == "in_transit"
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=5, in_transit=6)


def test_lots_travel_first_expiry_first_and_keep_their_lot_at_the_destination(apis):
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)
    asn = create_asn(apis.acme, lines=[{"sku": "E-1", "qty": 7}])
    receive(apis.wh1_operator, asn["id"], barcode="BE-1", qty=4, lot="LATE", expiry="2031-06-30")
    receive(apis.wh1_operator, asn["id"], barcode="BE-1", qty=3, lot="EARLY", expiry="2030-12-31")
    for task in open_tasks(apis.wh1_operator):
        ok(complete(apis.wh1_operator, task["id"], location=task["suggested_location"], qty=task["qty"]))

    transfer = send(apis.admin, lines=[{"sku": "E-1", "seller": "ACME", "qty": 5}])

    assert [(ln["lot"], ln["qty"]) for ln in transfer["lines"]] == [("EARLY", 3), ("LATE", 2)]
    received = ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive",
                                         json={"lines": [{"sku": "E-1", "seller": "ACME", "qty": 4}]}))
    assert [(ln["lot"], ln["received_qty"], ln["short_qty"]) for ln in received["lines"]] == [
        ("EARLY", 3, 0), ("LATE", 1, 1)]
    assert on_hand(apis.admin, "WH2", "DOCK") == {("E-1", "EARLY", "good"): 3, ("E-1", "LATE", "good"): 1}
    assert sorted((t["lot"], t["qty"]) for t in open_tasks(apis.wh2_operator, "WH2")) == [("EARLY", 3), ("LATE", 1)]
    assert stock_of(apis.acme, "WH1", "E-1") == buckets(sellable=2)
    assert stock_of(apis.acme, "WH2", "E-1") == buckets(receiving=4)
