"""List endpoints build a whole page at once: GET /orders, /asns,
/transfers, /counts and /tasks run the same number of SQL statements for a
page of 100 rows as for a page of one (no query per row)."""
from __future__ import annotations

import pytest

from fulfillment.orders import create_order
from tests.factories import ADMIN, make_world, put_stock
from wms.facility.services import station
from wms.inbound.services import create_asn
from wms.inventory.counts import create_count
from wms.inventory.tasks import create_putaway_tasks
from wms.inventory.transfers import create_transfer

SHIP_TO = {"name": "Ada", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}


def _asns(session, world, first, n):
    for i in range(first, first + n):
        create_asn(session, ADMIN, {"seller": "ACME" if i % 2 else "BETA", "warehouse": "WH1" if i % 3 else "WH2",
                                    "reference": f"ASN-{i}",
                                    "lines": [{"sku": "A-1" if i % 2 else "B-1", "qty": 2},
                                              {"sku": "A-2" if i % 2 else "B-2", "qty": 1}]})


def _orders(session, world, first, n):
    for i in range(first, first + n):
        create_order(session, ADMIN, {"seller": "ACME", "reference": f"SO-{i}", "ship_to": SHIP_TO,
                                      "warehouse": "WH1" if i % 2 else "WH2",
                                      "lines": [{"sku": "A-1", "qty": 1}, {"sku": "A-2", "qty": 1}]})


def _transfers(session, world, first, n):
    if first == 0:
        put_stock(session, world.wh1, "A01-03-1", world.skus_a[1], 200)
    for i in range(first, first + n):
        other_seller = [{"sku": world.skus_b[0].id, "qty": 1}] if i < 7 else []  # WH1 holds 7 B-1
        create_transfer(session, ADMIN, from_warehouse="WH1", to_warehouse="WH2", reference=f"T-{i}",
                        lines=[{"sku": world.skus_a[1].id, "qty": 1}, *other_seller])


def _counts(session, world, first, n):
    for i in range(first, first + n):
        create_count(session, ADMIN, warehouse="WH1" if i % 2 else "WH2",
                     locations=["A01-01-1", f"A0{1 + i % 3}-0{1 + i % 4}-2"])


def _tasks(session, world, first, n):
    dock = station(session, world.wh1.id, "dock")
    for i in range(first, first + n):
        sku = world.skus_a[i % 2] if i % 3 else world.skus_b[i % 2]
        create_putaway_tasks(session, warehouse_id=world.wh1.id, dock=dock, sku=sku, qty=1, lot="",
                             source_type="asn", source_id=i)


@pytest.mark.parametrize(("path", "make"), [
    ("/asns", _asns), ("/orders", _orders), ("/transfers", _transfers), ("/counts", _counts), ("/tasks", _tasks),
])
def test_a_page_of_100_runs_as_many_statements_as_a_page_of_one(session, admin_api, count_statements,
                                                                frozen_cache_clock, path, make):
    world = make_world(session)
    last: list[str] = []

    def listed() -> tuple[int, int]:
        session.commit()
        with count_statements() as statements:
            response = admin_api.get(path, query_string={"limit": 100})
        assert response.status_code == 200, response.json
        last[:] = statements
        return len(response.json["items"]), len(statements)

    make(session, world, 0, 1)
    listed()  # the process's first request fills its caches (token, locations): count from the second on
    one, for_one = listed()
    make(session, world, 1, 99)
    hundred, for_hundred = listed()

    assert (one, hundred) == (1, 100)
    assert for_hundred == for_one, "\n".join(last)
