"""Reading stock: GET /stock (every bucket), GET /stock/locations, GET /ledger."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from tests.api.conftest import adjustment, assert_problem, move, walk_pages
from wms.ledger.services import reserve_stock


@pytest.fixture
def a1_everywhere(world, apis, session):
    """A-1 in WH1 in every bucket, through the API: announced on an ASN
    (expected), received at the dock (receiving), in quarantine and damaged
    (unsellable), at the pack station (picked), on its way from WH2
    (in transit). Reservations come from orders, which have no endpoint yet,
    so one is made through the ledger service."""
    asn = apis.acme.post("/asns", json={"warehouse": "WH1", "reference": "ASN-1", "lines": [{"sku": "A-1", "qty": 20}]})
    assert asn.status_code == 201, asn.json
    receipt = apis.wh1_operator.post(f"/asns/{asn.json['id']}/receipts", json={"barcode": "BA-1", "qty": 6},
                                     headers={"Idempotency-Key": "scan-1"})
    assert receipt.status_code == 201, receipt.json
    for path, body in (
        ("/adjustments", adjustment(location="QUARANTINE", qty=2)),
        ("/adjustments", adjustment(location="A01-02-1", qty=1, condition="damaged")),
        ("/moves", move(to_location="PACK", qty=3)),
        ("/transfers", {"from_warehouse": "WH2", "to_warehouse": "WH1", "lines": [{"sku": "A-1", "seller": "ACME",
                                                                                  "qty": 2}]}),
    ):
        r = apis.admin.post(path, json=body)
        assert r.status_code == 201, r.json
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=world.skus_a[0].id, qty=4, reference="order 1")
    return world


def test_stock_shows_every_bucket(a1_everywhere, apis, ids):
    r = apis.admin.get("/stock", query_string={"warehouse": "WH1", "sku": "A-1", "seller": "ACME"})

    assert r.status_code == 200, r.json
    assert r.json["items"] == [{
        "warehouse": "WH1", "seller": "ACME", "sku": "A-1", "sku_id": ids["A-1"],
        "expected": 14, "receiving": 6, "sellable": 7, "reserved": 4, "available": 3,
        "unsellable": 3, "in_transit": 2, "picked": 3,
    }]


def test_a_seller_reads_its_stock_by_sku_code_alone(a1_everywhere, apis):
    r = apis.acme.get("/stock", query_string={"sku": "A-1"})

    assert {(i["warehouse"], i["sellable"], i["available"]) for i in r.json["items"]} == {("WH1", 7, 3), ("WH2", 3, 3)}


@pytest.mark.parametrize("path", ["/stock", "/stock/locations", "/ledger"])
def test_a_seller_filters_on_a_sku_by_id_or_by_code(a1_everywhere, apis, ids, path):
    by_code = apis.acme.get(path, query_string={"sku": "A-1"})
    by_id = apis.acme.get(path, query_string={"sku": ids["A-1"]})

    assert by_code.status_code == by_id.status_code == 200, by_id.json
    assert by_code.json["items"] and by_id.json == by_code.json
    assert_problem(apis.beta.get(path, query_string={"sku": ids["A-1"]}), 422, "validation_error", "sku")


def test_stock_by_location_shows_what_is_on_hand_where(a1_everywhere, apis, ids):
    r = apis.admin.get("/stock/locations", query_string={"warehouse": "WH1", "sku": ids["A-1"]})

    assert r.status_code == 200, r.json
    rows = {(i["location"], i["condition"]): i["on_hand"] for i in r.json["items"]}
    assert rows == {
        ("A01-01-1", "good"): 7, ("DOCK", "good"): 6, ("QUARANTINE", "good"): 2,
        ("A01-02-1", "damaged"): 1, ("PACK", "good"): 3,
    }
    item = r.json["items"][0]
    assert set(item) == {"warehouse", "location", "seller", "sku", "sku_id", "lot", "condition", "on_hand"}
    assert (item["warehouse"], item["seller"], item["sku"], item["sku_id"]) == ("WH1", "ACME", "A-1", ids["A-1"])


def test_stock_by_location_filters_on_a_location(a1_everywhere, apis):
    r = apis.wh1_operator.get("/stock/locations", query_string={"warehouse": "WH1", "location": "A01-02-1"})

    assert {(i["sku"], i["condition"], i["on_hand"]) for i in r.json["items"]} == {("B-1", "good", 7),
                                                                               ("A-1", "damaged", 1)}


def test_every_movement_in_the_ledger_sums_to_zero(a1_everywhere, apis):
    movements = walk_pages(apis.admin, "/ledger", 500)

    assert len(movements) == 3 + 5  # the world's stock, then the fixture's movements
    assert [m["kind"] for m in movements[3:]] == ["receipt", "adjustment", "adjustment", "move", "transfer_out"]
    for m in movements:
        assert set(m) >= {"id", "kind", "created_at", "reference", "postings"}
        sums = defaultdict(int)
        for p in m["postings"]:
            sums[(p["seller"], p["sku"], p["lot"])] += p["qty"]
        assert m["postings"] and set(sums.values()) == {0}, m


def test_the_ledger_filters_on_a_sku(a1_everywhere, apis, ids):
    r = apis.admin.get("/ledger", query_string={"sku": ids["B-1"]})

    assert len(r.json["items"]) == 1
    assert {p["sku"] for p in r.json["items"][0]["postings"]} == {"B-1"}
    by_code = apis.beta.get("/ledger", query_string={"sku": "B-1"})
    assert [m["id"] for m in by_code.json["items"]] == [m["id"] for m in r.json["items"]]


def test_the_ledger_filters_on_a_time(a1_everywhere, apis):
    movements = walk_pages(apis.admin, "/ledger", 500)
    since = movements[4]["created_at"]

    r = apis.admin.get("/ledger", query_string={"since": since})

    cut = datetime.fromisoformat(since)
    assert [m["id"] for m in r.json["items"]] == [
        m["id"] for m in movements if datetime.fromisoformat(m["created_at"]) >= cut
    ]
    assert movements[4]["id"] == r.json["items"][0]["id"]
    future = (cut + timedelta(days=1)).isoformat()
    assert apis.admin.get("/ledger", query_string={"since": future}).json["items"] == []


def test_the_ledger_of_a_warehouse_holds_only_its_movements(a1_everywhere, apis):
    r = apis.admin.get("/ledger", query_string={"warehouse": "WH2"})

    # The world's stock in WH2, and the transfer out of it (into WH1's in-transit location).
    assert [m["kind"] for m in r.json["items"]] == ["adjustment", "transfer_out"]


def test_an_unknown_sku_filter_is_a_validation_error(world, apis):
    assert_problem(apis.acme.get("/stock", query_string={"sku": "NOPE"}), 422, "validation_error", "sku")
    assert_problem(apis.admin.get("/ledger", query_string={"sku": 999999}), 422, "validation_error", "sku")


def test_an_unknown_warehouse_filter_is_not_found(world, apis):
    for path in ("/stock", "/stock/locations", "/ledger"):
        assert_problem(apis.admin.get(path, query_string={"warehouse": "NOPE"}), 404, "not_found")
