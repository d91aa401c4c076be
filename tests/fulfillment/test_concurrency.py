"""Orders taken, allocated and cancelled at the same time by real threads,
each with its own session, against committed data: stock is never
promised twice, and the ledger checks stay clean."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from fulfillment.models import Order, OrderLine
from fulfillment.orders import allocate_all_backorders, cancel_order, create_order
from tests.conftest import assert_ledger_clean
from tests.factories import SkuFactory, bind_factories, make_world, put_stock
from tests.fulfillment.conftest import SHIP_TO_US
from wms.auth.principal import Principal
from wms.catalog.models import Seller, Sku
from wms.db import make_sessionmaker
from wms.facility.models import Warehouse
from wms.ledger.models import Reservation, StockLevel

pytestmark = pytest.mark.concurrency


def run_together(jobs: list) -> list[BaseException]:
    """Run every job in a thread of its own, all released at once; returns
    what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(timeout=60)
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def order_data(reference: str, *lines: tuple[str, int], warehouse: str | None = None) -> dict:
    return {"reference": reference, "warehouse": warehouse, "ship_to": dict(SHIP_TO_US),
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]}


def place_in_own_session(maker, actor: Principal, data: dict):
    def job():
        with maker() as s:
            create_order(s, actor, data)
    return job


def cancel_in_own_session(maker, actor: Principal, order_id: int):
    def job():
        with maker() as s:
            cancel_order(s, actor, order_id)
    return job


def assert_every_reserved_unit_belongs_to_one_allocated_line(s) -> None:
    """Open reservations and the order lines that hold them match one to one,
    and the stock levels' reserved equals what allocated lines hold."""
    lines = s.execute(
        select(OrderLine.id, OrderLine.sku_id, OrderLine.allocated_qty, OrderLine.picked_qty,
               OrderLine.reservation_id, Order.status, Order.warehouse_id)
        .join(Order, Order.id == OrderLine.order_id)
    ).all()
    reservations = {r.id: r for r in s.scalars(select(Reservation))}
    held_by = Counter(ln.reservation_id for ln in lines if ln.reservation_id is not None
                      and reservations[ln.reservation_id].status == "open")
    assert all(n == 1 for n in held_by.values()), "a reservation is shared by several order lines"
    for r in reservations.values():
        if r.status == "open":
            assert held_by[r.id] == 1, f"open reservation {r.id} belongs to no order line"
    held: Counter = Counter()
    for ln in lines:
        open_units = ln.allocated_qty - ln.picked_qty
        if ln.status in ("backordered", "cancelled"):
            assert open_units == 0, f"a {ln.status} order line holds {open_units} units"
            continue
        if ln.status == "allocated":
            assert ln.allocated_qty > 0
            r = reservations[ln.reservation_id]
            assert r.status == "open" and r.open_qty == open_units
            assert (r.warehouse_id, r.sku_id) == (ln.warehouse_id, ln.sku_id)
            held[(ln.warehouse_id, ln.sku_id)] += open_units
    levels = {(lv.warehouse_id, lv.sku_id): lv.reserved
              for lv in s.scalars(select(StockLevel).execution_options(populate_existing=True))}
    assert {k: v for k, v in levels.items() if v} == {k: v for k, v in held.items() if v}


@pytest.fixture
def committed_world(committed_db):
    """make_world in a database of its own, committed for every thread to see."""
    _url, engine = committed_db
    maker = make_sessionmaker(engine)
    with maker() as s:
        world = make_world(s)
        ids = {"acme": world.seller_a.id, "wh1": world.wh1.id, "wh2": world.wh2.id,
               "A-1": world.skus_a[0].id, "A-2": world.skus_a[1].id}
        s.commit()
    yield maker, ids


def test_a_hundred_concurrent_orders_for_ten_units_allocate_exactly_ten(requires_postgres, committed_world):
    maker, ids = committed_world
    with maker() as s:
        bind_factories(s)
        scarce = SkuFactory(seller=s.get(Seller, ids["acme"]), code="SCARCE")
        s.commit()
        put_stock(s, s.get(Warehouse, ids["wh1"]), "A02-03-1", scarce, 10)
        scarce_id = scarce.id
    actor = Principal(role="seller", seller_id=ids["acme"], name="marketplace")

    errors = run_together([place_in_own_session(maker, actor, order_data(f"RUSH-{i:03}", ("SCARCE", 1)))
                           for i in range(100)])

    assert errors == []
    with maker() as s:
        statuses = Counter(s.scalars(select(Order.status)))
        assert statuses == {"allocated": 10, "backordered": 90}
        level = s.scalars(select(StockLevel).where(StockLevel.sku_id == scarce_id)).one()
        assert (level.sellable, level.reserved) == (10, 10)
        assert s.scalar(select(func.sum(OrderLine.allocated_qty)).where(OrderLine.sku_id == scarce_id)) == 10
        assert_every_reserved_unit_belongs_to_one_allocated_line(s)
        assert_ledger_clean(s)


def test_concurrent_cancels_and_new_orders_keep_every_reserved_unit_with_one_allocated_order(
        requires_postgres, committed_world):
    maker, ids = committed_world
    actor = Principal(role="seller", seller_id=ids["acme"], name="marketplace")
    with maker() as s:
        put_stock(s, s.get(Warehouse, ids["wh1"]), "A02-05-1", s.get(Sku, ids["A-2"]), 6)
        # WH1: 10 A-1 and 6 A-2; WH2: 5 A-1. Take all of WH1's A-1 now.
        first = [create_order(s, actor, order_data(f"FIRST-{i}", ("A-1", 1), warehouse="WH1")).id for i in range(10)]
    with maker() as s:
        assert Counter(s.scalars(select(Order.status))) == {"allocated": 10}

    jobs = [cancel_in_own_session(maker, actor, order_id) for order_id in first[:6]]
    jobs += [place_in_own_session(maker, actor, order_data(f"NEXT-{i}", ("A-1", 1), ("A-2", 1)))
             for i in range(16)]
    jobs += [place_in_own_session(maker, actor, order_data(f"SOLO-{i}", ("A-1", 2), warehouse="WH1"))
             for i in range(8)]

    errors = run_together(jobs)

    assert errors == []
    with maker() as s:
        statuses = Counter(s.scalars(select(Order.status).where(Order.reference.like("FIRST-%"))))
        assert statuses == {"cancelled": 6, "allocated": 4}
        assert_every_reserved_unit_belongs_to_one_allocated_line(s)
        assert_ledger_clean(s)
        for level in s.scalars(select(StockLevel)):
            assert 0 <= level.reserved <= level.sellable
    # what the crash-recovery sweep would still find to allocate: stock and
    # backorders stay consistent after it too
    with maker() as s:
        allocate_all_backorders(s)
    with maker() as s:
        assert_every_reserved_unit_belongs_to_one_allocated_line(s)
        assert_ledger_clean(s)


def test_an_order_backordered_while_another_is_cancelled_gets_the_released_units(
        requires_postgres, committed_world, monkeypatch):
    """The order being taken finds no stock and is about to commit as a
    backorder when a cancellation releases a unit and looks for backorders
    to allocate: it cannot see the new order yet. Once both have committed,
    the unit must still end up with the backorder."""
    maker, ids = committed_world
    actor = Principal(role="seller", seller_id=ids["acme"], name="marketplace")
    with maker() as s:
        held = [create_order(s, actor, order_data(f"HELD-{i}", ("A-1", 5), warehouse="WH1")).id for i in range(2)]
    reached, go = threading.Event(), threading.Event()
    taking = {}
    record = Order.start

    def paused_start(order, status, *args, **kwargs):
        record(order, status, *args, **kwargs)
        if status == "backordered" and threading.current_thread().name == "taker":
            reached.set()
            assert go.wait(timeout=60)

    monkeypatch.setattr(Order, "start", paused_start)

    def take():
        with maker() as s:
            taking["order"] = create_order(s, actor, order_data("LATE", ("A-1", 1), warehouse="WH1")).id

    taker = threading.Thread(target=take, name="taker")
    taker.start()
    try:
        assert reached.wait(timeout=60), "the order never found the stock short"
        with maker() as s:  # meanwhile, a cancellation commits and allocates waiting backorders
            cancel_order(s, actor, held[0])
    finally:
        go.set()
        taker.join(timeout=60)

    with maker() as s:
        late = s.get(Order, taking["order"])
        assert late.status == "allocated"
        assert_every_reserved_unit_belongs_to_one_allocated_line(s)
        assert_ledger_clean(s)
