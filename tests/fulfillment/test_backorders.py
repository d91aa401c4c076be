"""Backorders are allocated automatically, oldest first, right after the
transaction that makes stock available: an adjustment, a putaway after an
ASN receipt or a transfer receipt, or another order's cancellation."""
from __future__ import annotations

from click.testing import CliRunner

from tests.factories import put_stock
from tests.fulfillment.conftest import (
    SHIP_TO_DE,
    buckets,
    get_order,
    new_key,
    ok,
    place,
    stock_of,
)
from wms.cli import main as wms_cli
from wms.ledger.events import stock_available


def found(api, qty: int, *, warehouse: str = "WH1", location: str = "A01-03-1", sku: str = "A-1") -> None:
    """POST /adjustments: qty more units found in a bin."""
    ok(api.post("/adjustments", json={"warehouse": warehouse, "location": location, "sku": sku, "seller": "ACME",
                                      "qty": qty, "reason": "found"}), 201)


def status_of(api, *orders: dict) -> list[str]:
    return [get_order(api, o["id"])["status"] for o in orders]


def put_away_everything(api, warehouse: str) -> None:
    """Complete every open putaway task of the warehouse at its suggested bin."""
    tasks = ok(api.get("/tasks", query_string={"warehouse": warehouse, "type": "putaway", "status": "open",
                                               "limit": 500}))["items"]
    assert tasks
    for task in tasks:
        ok(api.post(f"/tasks/{task['id']}/complete", json={"location": task["suggested_location"],
                                                           "qty": task["qty"]},
                    headers={"Idempotency-Key": new_key()}))


def test_a_backorder_is_allocated_as_soon_as_an_adjustment_brings_the_stock(apis):
    order = place(apis.acme, ("A-1", 12))  # nowhere holds 12
    assert order["status"] == "backordered"

    found(apis.wh1_operator, 1)
    assert status_of(apis.acme, order) == ["backordered"]  # 11 are not enough
    found(apis.wh1_operator, 1)

    allocated = get_order(apis.acme, order["id"])
    assert allocated["status"] == "allocated"
    assert allocated["warehouse"] == "WH1"
    assert allocated["lines"][0]["allocated_qty"] == 12
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=12, reserved=12)


def test_a_backorder_is_allocated_once_an_asn_receipt_is_put_away(apis):
    order = place(apis.acme, ("A-2", 5))  # no A-2 anywhere
    asn = ok(apis.acme.post("/asns", json={"warehouse": "WH1", "reference": "PO-7",
                                           "lines": [{"sku": "A-2", "qty": 5}]}), 201)

    ok(apis.wh1_operator.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-2", "qty": 5, "condition": "good"},
                              headers={"Idempotency-Key": new_key()}), 201)
    assert status_of(apis.acme, order) == ["backordered"]  # on the dock, not yet sellable
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(receiving=5)

    put_away_everything(apis.wh1_operator, "WH1")

    assert status_of(apis.acme, order) == ["allocated"]
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(sellable=5, reserved=5)


def test_a_backorder_is_allocated_once_a_transfer_is_received_and_put_away(apis):
    order = place(apis.acme, ("A-1", 8), ship_to=SHIP_TO_DE, warehouse="WH2")  # WH2 holds 5
    assert order["status"] == "backordered"

    transfer = ok(apis.admin.post("/transfers", json={"from_warehouse": "WH1", "to_warehouse": "WH2",
                                                      "lines": [{"sku": "A-1", "seller": "ACME", "qty": 3}]}), 201)
    assert status_of(apis.acme, order) == ["backordered"]  # in transit
    ok(apis.wh2_operator.post(f"/transfers/{transfer['id']}/receive", json={}))
    assert status_of(apis.acme, order) == ["backordered"]  # on the dock
    put_away_everything(apis.wh2_operator, "WH2")

    allocated = get_order(apis.acme, order["id"])
    assert allocated["status"] == "allocated"
    assert allocated["warehouse"] == "WH2"
    assert stock_of(apis.acme, "WH2", "A-1") == buckets(sellable=8, reserved=8)
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=7)


def test_cancelling_an_order_allocates_the_backorder_that_waits_for_its_units(apis):
    first = place(apis.acme, ("A-1", 8), warehouse="WH1")
    second = place(apis.acme, ("A-1", 5), warehouse="WH1")
    assert [first["status"], second["status"]] == ["allocated", "backordered"]

    ok(apis.acme.post(f"/orders/{first['id']}/cancel"))

    assert status_of(apis.acme, first, second) == ["cancelled", "allocated"]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, reserved=5)


def test_backorders_are_allocated_in_the_order_they_arrived(apis):
    place(apis.acme, ("A-1", 10), warehouse="WH1")  # takes all of WH1
    oldest = place(apis.acme, ("A-1", 4), warehouse="WH1")
    middle = place(apis.acme, ("A-1", 2), warehouse="WH1")
    newest = place(apis.acme, ("A-1", 2), warehouse="WH1")

    found(apis.wh1_operator, 4)  # would also fit the two newer ones together
    assert status_of(apis.acme, oldest, middle, newest) == ["allocated", "backordered", "backordered"]

    found(apis.wh1_operator, 3)
    assert status_of(apis.acme, oldest, middle, newest) == ["allocated", "allocated", "backordered"]

    found(apis.wh1_operator, 1)
    assert status_of(apis.acme, oldest, middle, newest) == ["allocated", "allocated", "allocated"]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=18, reserved=18)


def test_a_backorder_that_still_does_not_fit_is_skipped_and_does_not_block_smaller_later_ones(apis):
    place(apis.acme, ("A-1", 10), warehouse="WH1")
    large = place(apis.acme, ("A-1", 5), warehouse="WH1")
    small = place(apis.acme, ("A-1", 2), warehouse="WH1")
    smaller = place(apis.acme, ("A-1", 1), warehouse="WH1")

    found(apis.wh1_operator, 3)
    assert status_of(apis.acme, large, small, smaller) == ["backordered", "allocated", "allocated"]

    found(apis.wh1_operator, 5)
    assert status_of(apis.acme, large, small, smaller) == ["allocated", "allocated", "allocated"]


def test_a_backorder_waits_for_every_line_before_it_is_allocated(apis):
    order = place(apis.acme, ("A-1", 2), ("A-2", 2), warehouse="WH1")
    assert order["status"] == "backordered"
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0

    found(apis.wh1_operator, 1, sku="A-2")
    assert status_of(apis.acme, order) == ["backordered"]
    assert stock_of(apis.acme, "WH1", "A-1")["reserved"] == 0  # still nothing held for it

    found(apis.wh1_operator, 1, sku="A-2")
    assert status_of(apis.acme, order) == ["allocated"]
    assert [ln["allocated_qty"] for ln in get_order(apis.acme, order["id"])["lines"]] == [2, 2]


def test_stock_arriving_in_another_warehouse_does_not_allocate_a_backorder_for_a_named_one(apis):
    order = place(apis.acme, ("A-1", 7), warehouse="WH2")

    found(apis.wh1_operator, 5)
    assert status_of(apis.acme, order) == ["backordered"]

    found(apis.wh2_operator, 2, warehouse="WH2", location="A01-02-1")
    assert status_of(apis.acme, order) == ["allocated"]
    assert get_order(apis.acme, order["id"])["warehouse"] == "WH2"


def test_stock_arriving_at_the_service_level_allocates_backorders_too(apis, world, session):
    order = place(apis.acme, ("A-2", 3))

    put_stock(session, world.wh2, "A02-02-1", world.skus_a[1], 3)  # the ledger service, not the API

    allocated = get_order(apis.acme, order["id"])
    assert allocated["status"] == "allocated"
    assert allocated["warehouse"] == "WH2"


def test_wms_orders_allocate_backorders_heals_what_a_crash_left_waiting(apis, world, session, monkeypatch):
    """The command fulfillment adds to `wms` (Extension.cli_commands): a
    backorder whose stock arrived while nobody listened (a crashed worker)."""
    order = place(apis.acme, ("A-2", 3))
    with stock_available.muted():
        put_stock(session, world.wh1, "A02-02-1", world.skus_a[1], 3)
    assert get_order(apis.acme, order["id"])["status"] == "backordered"

    monkeypatch.setattr("wms.cli.open_session", lambda url=None: (_NoEngine(), session))
    result = CliRunner().invoke(wms_cli, ["orders", "allocate-backorders"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 backorder(s) allocated"
    assert get_order(apis.acme, order["id"])["status"] == "allocated"


class _NoEngine:
    def dispose(self) -> None:
        pass
