"""Isolation on every inbound endpoint: a seller reaches none of another
seller's ASNs, tasks, transfers or counts (another seller's object is "not
found", never revealed), and an operator none of another warehouse's; a
refused request changes nothing."""
from __future__ import annotations

import pytest

from tests.inbound.conftest import (
    LEDGER_TABLES,
    assert_problem,
    complete,
    create_asn,
    new_key,
    ok,
    open_tasks,
    receive,
    table_counts,
)
from wms.inbound.models import Asn, AsnLine, Receipt
from wms.inventory.models import Count, CountLine, Task, Transfer


@pytest.fixture
def acme(apis) -> dict[str, int]:
    """Ids of ACME's objects in WH1: a receiving ASN with an open putaway
    task, a transfer of ACME's units from WH1 to WH2, and a count of WH1
    waiting for approval."""
    asn = create_asn(apis.acme)
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=5)
    [task] = open_tasks(apis.wh1_operator)
    transfer = ok(apis.acme.post("/transfers", json={"from_warehouse": "WH1", "to_warehouse": "WH2",
                                                     "lines": [{"sku": "A-1", "qty": 2}]}), 201)
    count = ok(apis.wh1_operator.post("/counts", json={"warehouse": "WH1", "locations": ["A01-01-1"]}), 201)
    return {"asn": asn["id"], "task": task["id"], "transfer": transfer["id"], "count": count["id"]}


COUNTED = {"lines": [{"location": "A01-01-1", "sku": "A-1", "seller": "ACME", "counted_qty": 50}]}

# (method, path, body, status for seller BETA, status for the operator of WH2)
ENDPOINTS = [
    ("GET", "/asns/{asn}", None, 404, 404),
    ("POST", "/asns/{asn}/receipts", {"barcode": "BA-1", "qty": 1}, 403, 404),
    ("POST", "/asns/{asn}/close", None, 403, 404),
    ("POST", "/asns/{asn}/cancel", None, 404, 403),
    ("GET", "/tasks/{task}", None, 403, 404),
    ("POST", "/tasks/{task}/complete", {"location": "A01-01-1", "qty": 5}, 403, 404),
    ("GET", "/transfers/{transfer}", None, 404, 200),
    ("POST", "/transfers/{transfer}/receive", {}, 403, 200),
    ("GET", "/counts/{count}", None, 403, 404),
    ("POST", "/counts/{count}/submit", COUNTED, 403, 404),
    ("POST", "/counts/{count}/approve", {}, 403, 403),
]
PROBLEMS = {403: "forbidden", 404: "not_found"}
TABLES = (*LEDGER_TABLES, Asn, AsnLine, Receipt, Task, Transfer, Count, CountLine)


def call(api, method: str, path: str, body):
    headers = {"Idempotency-Key": new_key()} if method == "POST" else None
    if method == "GET":
        return api.get(path)
    return api.post(path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "status"),
                         [pytest.param(m, p, b, s, id=f"{m} {p}") for m, p, b, s, _ in ENDPOINTS])
def test_another_seller_reaches_none_of_a_sellers_inbound_objects(apis, acme, session, method, path, body, status):
    before = table_counts(session, *TABLES)

    response = call(apis.beta, method, path.format(**acme), body)

    assert_problem(response, status, PROBLEMS[status])
    assert "ACME" not in response.get_data(as_text=True)
    assert table_counts(session, *TABLES) == before


@pytest.mark.parametrize(("method", "path", "body", "status"),
                         [pytest.param(m, p, b, s, id=f"{m} {p}") for m, p, b, _, s in ENDPOINTS if s != 200])
def test_an_operator_reaches_nothing_of_another_warehouse(apis, acme, session, method, path, body, status):
    ok(apis.wh1_operator.post(f"/counts/{acme['count']}/submit", json=COUNTED))  # now waiting for approval
    before = table_counts(session, *TABLES)

    response = call(apis.wh2_operator, method, path.format(**acme), body)

    assert_problem(response, status, PROBLEMS[status])
    assert table_counts(session, *TABLES) == before


def test_another_sellers_lists_show_nothing_of_a_seller(apis, acme):
    assert ok(apis.beta.get("/asns"))["items"] == []
    assert ok(apis.beta.get("/transfers"))["items"] == []
    assert all(row["seller"] == "BETA" for row in ok(apis.beta.get("/stock"))["items"])
    assert all(row["seller"] == "BETA" for row in ok(apis.beta.get("/stock/locations"))["items"])
    for path in ("/tasks", "/counts"):
        assert_problem(apis.beta.get(path), 403, "forbidden")


def acme_sku_id(apis) -> int:
    return ok(apis.acme.get("/skus", query_string={"code": "A-1"}))["items"][0]["id"]


def test_a_seller_names_no_other_sellers_skus_in_new_requests(apis, acme, session):
    before = table_counts(session, *TABLES)

    assert_problem(apis.beta.post("/asns", json={"warehouse": "WH1", "reference": "X",
                                                 "lines": [{"sku": "A-1", "qty": 1}]}), 422, "validation_error",
                   "lines.0.sku")
    assert_problem(apis.beta.post("/transfers", json={"from_warehouse": "WH1", "to_warehouse": "WH2",
                                                      "lines": [{"sku": acme_sku_id(apis), "qty": 1}]}), 422,
                   "validation_error", "lines.0.sku")
    assert_problem(apis.beta.post("/counts", json={"warehouse": "WH1", "locations": ["A01-01-1"]}), 403,
                   "forbidden")
    assert table_counts(session, *TABLES) == before


def test_the_owner_and_its_warehouse_still_reach_everything(apis, acme):
    assert ok(apis.acme.get(f"/asns/{acme['asn']}"))["status"] == "receiving"
    assert ok(apis.acme.get(f"/transfers/{acme['transfer']}"))["status"] == "in_transit"
    assert ok(apis.wh1_operator.get(f"/tasks/{acme['task']}"))["status"] == "open"
    assert ok(complete(apis.wh1_operator, acme["task"], location="A01-01-1", qty=5))["status"] == "done"
    assert ok(apis.wh1_operator.get(f"/counts/{acme['count']}"))["status"] == "open"
