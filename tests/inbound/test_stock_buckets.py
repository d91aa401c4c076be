"""What a seller sees in GET /stock through the whole inbound life of its
units: expected on an open ASN, receiving at the dock, sellable once put
away, unsellable when damaged, in_transit between warehouses, and changed
by cycle counts. Every bucket is checked at every step, and the other
seller sees none of it."""
from __future__ import annotations

from tests.inbound.conftest import (
    assert_problem,
    buckets,
    complete,
    create_asn,
    ok,
    open_tasks,
    receive,
    stock_of,
)


def test_a_sellers_buckets_follow_its_units_from_announcement_to_another_warehouses_shelf(apis):
    acme, op1, op2 = apis.acme, apis.wh1_operator, apis.wh2_operator

    def a2(warehouse):
        return stock_of(acme, warehouse, "A-2")

    asn = create_asn(acme, lines=[{"sku": "A-2", "qty": 30}])
    assert a2("WH1") == buckets(expected=30)

    receive(op1, asn["id"], barcode="BA-2", qty=20)
    receive(op1, asn["id"], barcode="BA-2", qty=2, condition="damaged")
    assert a2("WH1") == buckets(expected=8, receiving=20, unsellable=2)

    [task] = open_tasks(op1)
    ok(complete(op1, task["id"], location=task["suggested_location"], qty=15))
    assert a2("WH1") == buckets(expected=8, receiving=5, sellable=15, unsellable=2)

    closed = ok(op1.post(f"/asns/{asn['id']}/close"))
    assert [(d["short_qty"], d["damaged_qty"]) for d in closed["discrepancies"]] == [(8, 2)]
    assert a2("WH1") == buckets(receiving=5, sellable=15, unsellable=2)

    transfer = ok(apis.admin.post("/transfers", json={"from_warehouse": "WH1", "to_warehouse": "WH2",
                                                      "lines": [{"sku": "A-2", "seller": "ACME", "qty": 10}]}), 201)
    assert a2("WH1") == buckets(receiving=5, sellable=5, unsellable=2)
    assert a2("WH2") == buckets(in_transit=10)

    ok(op2.post(f"/transfers/{transfer['id']}/receive", json={"lines": [{"sku": "A-2", "seller": "ACME", "qty": 9}]}))
    assert a2("WH2") == buckets(receiving=9)

    [arrived] = open_tasks(op2, "WH2")
    ok(complete(op2, arrived["id"], location=arrived["suggested_location"], qty=9))
    assert a2("WH2") == buckets(sellable=9)

    count = ok(op1.post("/counts", json={"warehouse": "WH1", "locations": [task["suggested_location"]]}), 201)
    ok(op1.post(f"/counts/{count['id']}/submit", json={"lines": [
        {"location": task["suggested_location"], "sku": "A-2", "seller": "ACME", "counted_qty": 4}]}))
    assert a2("WH1") == buckets(receiving=5, sellable=4, unsellable=2)

    [rest] = open_tasks(op1)
    ok(complete(op1, rest["id"], location=rest["suggested_location"], qty=5))
    assert a2("WH1") == buckets(sellable=9, unsellable=2)
    assert a2("WH2") == buckets(sellable=9)


def test_a_seller_sees_only_its_own_buckets(apis):
    create_asn(apis.acme, lines=[{"sku": "A-2", "qty": 30}])
    create_asn(apis.beta, lines=[{"sku": "B-2", "qty": 4}])

    acme_rows = ok(apis.acme.get("/stock", query_string={"limit": 500}))["items"]
    beta_rows = ok(apis.beta.get("/stock", query_string={"limit": 500}))["items"]

    assert {(r["warehouse"], r["seller"], r["sku"], r["expected"]) for r in acme_rows} == {
        ("WH1", "ACME", "A-1", 0), ("WH2", "ACME", "A-1", 0), ("WH1", "ACME", "A-2", 30)}
    assert {(r["warehouse"], r["seller"], r["sku"], r["expected"]) for r in beta_rows} == {
        ("WH1", "BETA", "B-1", 0), ("WH1", "BETA", "B-2", 4)}
    assert ok(apis.beta.get("/stock", query_string={"seller": "ACME"}))["items"] == []
    assert_problem(apis.beta.get("/stock", query_string={"sku": "A-2"}), 422, "validation_error", "sku")


def test_an_operator_sees_every_sellers_inbound_stock_in_its_warehouse_only(apis):
    create_asn(apis.acme, lines=[{"sku": "A-2", "qty": 30}])
    create_asn(apis.beta, reference="PO-B", warehouse="WH2", lines=[{"sku": "B-2", "qty": 4}])

    wh1 = {(r["seller"], r["sku"]): r["expected"]
           for r in ok(apis.wh1_operator.get("/stock", query_string={"limit": 500}))["items"]}
    wh2 = {(r["seller"], r["sku"]): r["expected"]
           for r in ok(apis.wh2_operator.get("/stock", query_string={"limit": 500}))["items"]}

    assert wh1 == {("ACME", "A-1"): 0, ("BETA", "B-1"): 0, ("ACME", "A-2"): 30}
    assert wh2 == {("ACME", "A-1"): 0, ("BETA", "B-2"): 4}
