"""ASNs: a seller (or an admin for a seller) announces an inbound shipment
with its lines and transport details; its units count as `expected` stock
until they are received, or until the ASN is cancelled or closed."""
from __future__ import annotations

import pytest

from tests.inbound.conftest import (
    asn_body,
    assert_problem,
    buckets,
    create_asn,
    new_sku,
    ok,
    receive,
    stock_of,
    table_counts,
)
from wms.inbound.models import Asn, AsnLine


def test_a_seller_announces_a_shipment_that_starts_expected_with_its_lines_and_transport(apis):
    asn = create_asn(apis.acme, tracking_number="BL-778812")

    assert asn["status"] == "expected"
    assert (asn["warehouse"], asn["seller"], asn["reference"]) == ("WH1", "ACME", "PO-1001")
    assert (asn["transport_mode"], asn["carrier"], asn["container_number"], asn["tracking_number"]) == (
        "sea", "Maersk", "MSCU1234565", "BL-778812")
    assert asn["expected_at"].startswith("2030-05-01T08:00:00")
    assert [(ln["sku"], ln["expected_qty"], ln["received_qty"], ln["damaged_qty"]) for ln in asn["lines"]] == [
        ("A-1", 20, 0, 0), ("A-2", 5, 0, 0)]
    assert ok(apis.acme.get(f"/asns/{asn['id']}")) == asn


def test_announced_units_show_as_expected_stock_of_the_seller(apis):
    create_asn(apis.acme)

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(expected=20, sellable=10)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(expected=5)
    assert stock_of(apis.acme, "WH2", "A-2") == buckets()


def test_two_open_asns_of_one_sku_add_up_in_expected(apis):
    create_asn(apis.acme, reference="PO-1", lines=[{"sku": "A-2", "qty": 4}])
    create_asn(apis.acme, reference="PO-2", lines=[{"sku": "A-2", "qty": 6}])

    assert stock_of(apis.acme, "WH1", "A-2")["expected"] == 10


def test_an_admin_announces_a_shipment_for_a_named_seller(apis):
    asn = create_asn(apis.admin, seller="BETA", lines=[{"sku": "B-2", "qty": 3}])

    assert asn["seller"] == "BETA"
    assert ok(apis.beta.get(f"/asns/{asn['id']}"))["lines"][0]["sku"] == "B-2"


def test_an_admin_must_name_the_seller(apis):
    assert_problem(apis.admin.post("/asns", json=asn_body()), 422, "validation_error", "seller")


def test_an_operator_cannot_announce_shipments(apis):
    assert_problem(apis.wh1_operator.post("/asns", json=asn_body(seller="ACME")), 403, "forbidden")


def test_a_reference_is_unique_per_seller_but_not_across_sellers(apis, session):
    create_asn(apis.acme)

    body = assert_problem(apis.acme.post("/asns", json=asn_body()), 409, "conflict", "reference")
    assert "PO-1001" in body["detail"]
    assert table_counts(session, Asn)["asns"] == 1
    assert create_asn(apis.beta, lines=[{"sku": "B-1", "qty": 1}])["reference"] == "PO-1001"


def test_lot_and_expiry_may_be_announced_for_skus_that_track_them(apis):
    new_sku(apis.acme, "L-1", lot_tracked=True, expiry_tracked=True)

    asn = create_asn(apis.acme, lines=[{"sku": "L-1", "qty": 12, "lot": "LOT-7", "expiry": "2031-01-31"},
                                       {"sku": "L-1", "qty": 3}])

    assert [(ln["lot"], ln["expiry"], ln["expected_qty"]) for ln in asn["lines"]] == [
        ("LOT-7", "2031-01-31", 12), (None, None, 3)]
    assert stock_of(apis.acme, "WH1", "L-1")["expected"] == 15


def test_an_expiry_tracked_sku_may_be_announced_with_its_lot_but_no_expiry(apis):
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)

    asn = create_asn(apis.acme, lines=[{"sku": "E-1", "qty": 12, "lot": "LOT-7"}])

    assert [(ln["lot"], ln["expiry"]) for ln in asn["lines"]] == [("LOT-7", None)]


def test_an_announced_expiry_contradicting_a_received_lot_is_refused_naming_the_line(apis, session):
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)
    first = create_asn(apis.acme, reference="PO-1", lines=[{"sku": "E-1", "qty": 2}])
    receive(apis.wh1_operator, first["id"], barcode="BE-1", qty=2, lot="LOT-7", expiry="2031-01-31")

    assert_problem(apis.acme.post("/asns", json=asn_body(reference="PO-2", lines=[
        {"sku": "A-1", "qty": 1}, {"sku": "E-1", "qty": 5, "lot": "LOT-7", "expiry": "2031-02-28"}])),
        422, "validation_error", "lines.1.expiry")
    assert table_counts(session, Asn)["asns"] == 1
    assert create_asn(apis.acme, reference="PO-3", lines=[
        {"sku": "E-1", "qty": 5, "lot": "LOT-7", "expiry": "2031-01-31"}])["status"] == "expected"


def test_announcing_a_lot_does_not_fix_its_expiry_before_it_is_received(apis):
    new_sku(apis.acme, "E-1", lot_tracked=True, expiry_tracked=True)
    asn = create_asn(apis.acme, lines=[{"sku": "E-1", "qty": 4, "lot": "LOT-7", "expiry": "2030-01-31"}])

    after = receive(apis.wh1_operator, asn["id"], barcode="BE-1", qty=4, lot="LOT-7", expiry="2031-01-31")

    assert [(ln["lot"], ln["received_qty"]) for ln in after["lines"]] == [("LOT-7", 4)]


def test_a_seller_lists_only_its_own_asns(apis):
    mine = create_asn(apis.acme)
    theirs = create_asn(apis.beta, lines=[{"sku": "B-1", "qty": 2}])

    assert [a["id"] for a in ok(apis.acme.get("/asns"))["items"]] == [mine["id"]]
    assert [a["id"] for a in ok(apis.beta.get("/asns"))["items"]] == [theirs["id"]]
    assert [a["id"] for a in ok(apis.admin.get("/asns"))["items"]] == [mine["id"], theirs["id"]]


def test_a_seller_cannot_read_another_sellers_asn(apis):
    asn = create_asn(apis.acme)

    assert_problem(apis.beta.get(f"/asns/{asn['id']}"), 404, "not_found")
    assert_problem(apis.beta.get("/asns/999999"), 404, "not_found")


def test_an_operator_sees_asns_of_its_warehouses_only(apis):
    wh1 = create_asn(apis.acme)
    wh2 = create_asn(apis.acme, reference="PO-2", warehouse="WH2")

    assert [a["id"] for a in ok(apis.wh1_operator.get("/asns"))["items"]] == [wh1["id"]]
    assert [a["id"] for a in ok(apis.wh2_operator.get("/asns"))["items"]] == [wh2["id"]]
    assert_problem(apis.wh2_operator.get(f"/asns/{wh1['id']}"), 404, "not_found")


def test_asns_are_listed_by_status_and_warehouse(apis):
    a = create_asn(apis.acme, reference="PO-A")
    b = create_asn(apis.acme, reference="PO-B", warehouse="WH2")
    c = create_asn(apis.acme, reference="PO-C")
    receive(apis.wh1_operator, c["id"], barcode="BA-1", qty=1)

    def ids(**query):
        return [x["id"] for x in ok(apis.acme.get("/asns", query_string=query))["items"]]

    assert ids(status="expected") == [a["id"], b["id"]]
    assert ids(status="receiving") == [c["id"]]
    assert ids(warehouse="WH1") == [a["id"], c["id"]]
    assert ids(warehouse="WH2", status="expected") == [b["id"]]
    assert ids(status="closed") == []
    assert_problem(apis.acme.get("/asns", query_string={"status": "lost"}), 422, "validation_error", "status")


def test_the_asn_list_pages_with_a_cursor(apis):
    made = [create_asn(apis.acme, reference=f"PO-{n}", lines=[{"sku": "A-2", "qty": 1}])["id"] for n in range(5)]

    first = ok(apis.acme.get("/asns", query_string={"limit": 2}))
    second = ok(apis.acme.get("/asns", query_string={"limit": 2, "cursor": first["next_cursor"]}))
    third = ok(apis.acme.get("/asns", query_string={"limit": 2, "cursor": second["next_cursor"]}))

    assert [a["id"] for a in first["items"] + second["items"] + third["items"]] == made
    assert third["next_cursor"] is None


# --- cancelling -----------------------------------------------------------------

def test_a_seller_cancels_an_expected_asn_and_its_units_stop_being_expected(apis):
    asn = create_asn(apis.acme)

    cancelled = ok(apis.acme.post(f"/asns/{asn['id']}/cancel"))

    assert cancelled["status"] == "cancelled"
    assert cancelled["closed_at"] is not None
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets()


def test_an_asn_cannot_be_cancelled_once_receiving_has_started(apis):
    asn = create_asn(apis.acme)
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1)

    assert_problem(apis.acme.post(f"/asns/{asn['id']}/cancel"), 409, "invalid_state")
    assert ok(apis.acme.get(f"/asns/{asn['id']}"))["status"] == "receiving"


def test_a_cancelled_asn_cannot_be_cancelled_closed_or_received_again(apis):
    asn = create_asn(apis.acme)
    ok(apis.acme.post(f"/asns/{asn['id']}/cancel"))

    assert_problem(apis.acme.post(f"/asns/{asn['id']}/cancel"), 409, "invalid_state")
    assert_problem(apis.wh1_operator.post(f"/asns/{asn['id']}/close"), 409, "invalid_state")
    assert_problem(apis.wh1_operator.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-1", "qty": 1},
                                          headers={"Idempotency-Key": "k1"}), 409, "invalid_state")
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_only_the_owner_or_an_admin_may_cancel(apis):
    asn = create_asn(apis.acme)

    assert_problem(apis.beta.post(f"/asns/{asn['id']}/cancel"), 404, "not_found")
    assert_problem(apis.wh1_operator.post(f"/asns/{asn['id']}/cancel"), 403, "forbidden")
    assert ok(apis.admin.post(f"/asns/{asn['id']}/cancel"))["status"] == "cancelled"


# --- bad input --------------------------------------------------------------------

BAD_ASNS = [
    pytest.param({"warehouse": None}, "warehouse", id="no-warehouse"),
    pytest.param({"reference": None}, "reference", id="no-reference"),
    pytest.param({"reference": ""}, "reference", id="empty-reference"),
    pytest.param({"reference": "R" * 65}, "reference", id="long-reference"),
    pytest.param({"lines": None}, "lines", id="no-lines"),
    pytest.param({"lines": []}, "lines", id="empty-lines"),
    pytest.param({"lines": "A-1"}, "lines", id="lines-not-a-list"),
    pytest.param({"lines": [{"sku": "A-1"}]}, "lines.0.qty", id="no-qty"),
    pytest.param({"lines": [{"qty": 3}]}, "lines.0.sku", id="no-sku"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 0}]}, "lines.0.qty", id="zero-qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": -4}]}, "lines.0.qty", id="negative-qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": "4"}]}, "lines.0.qty", id="qty-as-string"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 2.5}]}, "lines.0.qty", id="fractional-qty"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 1, "expiry": "soon"}]}, "lines.0.expiry", id="bad-expiry"),
    pytest.param({"lines": [{"sku": "NOPE", "qty": 1}]}, "lines.0.sku", id="unknown-sku"),
    pytest.param({"lines": [{"sku": "B-1", "qty": 1}]}, "lines.0.sku", id="another-sellers-sku"),
    pytest.param({"lines": [{"sku": "A-1", "qty": 1}, {"sku": "A-1", "qty": 2}]}, "lines.1.sku", id="sku-twice"),
    pytest.param({"warehouse": "NOWHERE"}, "warehouse", id="unknown-warehouse"),
    pytest.param({"transport_mode": "teleport"}, "transport_mode", id="bad-transport-mode"),
    pytest.param({"container_number": "ABC"}, "container_number", id="bad-container-number"),
    pytest.param({"expected_at": "2030-05-01T08:00:00"}, "expected_at", id="expected-at-without-offset"),
    pytest.param({"expected_at": "next week"}, "expected_at", id="expected-at-not-a-time"),
    pytest.param({"seller": "BETA"}, "seller", id="another-seller"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field"), BAD_ASNS)
def test_a_bad_asn_is_refused_naming_the_field_and_changes_nothing(apis, session, change, field):
    body = {**asn_body(), **change}
    body = {k: v for k, v in body.items() if v is not None}

    assert_problem(apis.acme.post("/asns", json=body), 422, "validation_error", field)

    assert table_counts(session, Asn, AsnLine) == {"asns": 0, "asn_lines": 0}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets()


def test_a_body_that_is_not_json_is_a_bad_request(apis):
    r = apis.acme.post("/asns", data="{lines:", headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "bad_request")


def test_reading_an_asn_needs_a_token(client, world):
    assert_problem(client.get("/api/v1/asns"), 401, "unauthenticated")
