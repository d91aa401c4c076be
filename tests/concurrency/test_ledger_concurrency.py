"""The ledger under real concurrency: threads, each with its own session and
connection, against a committed database.

Guarded updates in a canonical key order must give exactly the outcome a
serial run could have given: no oversold unit, no deadlock, no "database is
locked", only clean InsufficientStock refusals, and a clean `wms check`.
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.factories import ADMIN, SellerFactory, SkuFactory, bind_factories, make_warehouse, put_stock
from wms.checks import run_checks
from wms.db import make_engine, make_sessionmaker
from wms.errors import InsufficientStock
from wms.facility.models import Location
from wms.inventory.services import adjust_stock, move_stock
from wms.ledger.models import Balance, Reservation, StockLevel
from wms.ledger.services import release_reservation, reserve_stock

pytestmark = pytest.mark.concurrency

BINS = ("A01-01-1", "A01-02-1", "A02-01-1", "A02-02-1")


@dataclass
class Stocked:
    warehouse_id: int
    sku_ids: list[int]
    initial: dict[tuple[str, int], int]  # (bin, sku) -> units put there before the threads start


def stock_up(engine: Engine, *, skus: int, per_bin: int, bins=BINS) -> Stocked:
    with make_sessionmaker(engine)() as s:
        bind_factories(s)
        warehouse = make_warehouse(s, "WH1")
        seller = SellerFactory(code="ACME")
        items = [SkuFactory(seller=seller, code=f"HOT-{n}") for n in range(skus)]
        s.commit()
        for item in items:
            for code in bins:
                put_stock(s, warehouse, code, item, per_bin)
        return Stocked(warehouse.id, [i.id for i in items], {(b, i.id): per_bin for b in bins for i in items})


def assert_check_clean(engine: Engine) -> None:
    with make_sessionmaker(engine)() as s:
        failures = {r.name: r.violations for r in run_checks(s) if not r.ok}
    assert not failures, f"wms check failed: {failures}"


def test_fifty_buyers_racing_for_the_last_unit_leave_exactly_one_reservation(committed_db):
    url, engine = committed_db
    buyers = 50
    stocked = stock_up(engine, skus=1, per_bin=1, bins=BINS[:1])
    sku_id = stocked.sku_ids[0]
    # One connection per buyer, so all fifty really are in the database at once.
    racing = make_engine(url, pool_size=buyers, max_overflow=0)
    start = threading.Barrier(buyers)

    def buy(n: int) -> str:
        with make_sessionmaker(racing)() as s:
            s.execute(select(1))  # connect before the race, not during it
            s.commit()
            start.wait(timeout=30)
            try:
                reserve_stock(s, warehouse_id=stocked.warehouse_id, sku_id=sku_id, qty=1, reference=f"order-{n}")
            except InsufficientStock as exc:
                return exc.code
            return "reserved"

    try:
        with ThreadPoolExecutor(buyers) as pool:
            outcomes = Counter(pool.map(buy, range(buyers)))
    finally:
        racing.dispose()

    assert outcomes == {"reserved": 1, "insufficient_stock": buyers - 1}
    with make_sessionmaker(engine)() as s:
        level = s.scalars(select(StockLevel).where(StockLevel.sku_id == sku_id)).one()
        assert (level.sellable, level.reserved, level.available) == (1, 1, 0)
        assert len(s.scalars(select(Reservation)).all()) == 1
    assert_check_clean(engine)


@dataclass
class Tally:
    """What one worker saw succeed, to compare with the ledger afterwards."""

    moved: Counter = field(default_factory=Counter)  # (bin, sku) -> net units
    reservations: dict[int, tuple[int, int]] = field(default_factory=dict)  # open: id -> (sku, qty)
    outcomes: Counter = field(default_factory=Counter)


def soak(engine: Engine, *, workers: int, operations: int, seed: int) -> None:
    """Workers post random adjustments, moves, reservations and releases over
    a few shared SKUs and bins; every refusal must be InsufficientStock and
    the ledger must end exactly where the successes say."""
    stocked = stock_up(engine, skus=3, per_bin=10)
    start = threading.Barrier(workers)

    def work(n: int) -> Tally:
        rng = random.Random(seed * 1000 + n)
        tally = Tally()
        with make_sessionmaker(engine)() as s:
            start.wait(timeout=30)
            for _ in range(operations):
                sku = rng.choice(stocked.sku_ids)
                qty = rng.randint(1, 6)
                op = rng.choice(("in", "out", "out", "move", "move", "reserve", "release"))
                try:
                    if op == "in" or op == "out":
                        bin_ = rng.choice(BINS)
                        signed = qty if op == "in" else -qty
                        adjust_stock(s, ADMIN, warehouse="WH1", location=bin_, sku=sku, qty=signed,
                                     reason="found" if op == "in" else "lost")
                        tally.moved[(bin_, sku)] += signed
                    elif op == "move":
                        src, dst = rng.sample(BINS, 2)
                        move_stock(s, ADMIN, warehouse="WH1", from_location=src, to_location=dst, sku=sku, qty=qty)
                        tally.moved[(src, sku)] -= qty
                        tally.moved[(dst, sku)] += qty
                    elif op == "reserve":
                        reservation = reserve_stock(s, warehouse_id=stocked.warehouse_id, sku_id=sku, qty=qty)
                        tally.reservations[reservation.id] = (sku, qty)
                    elif tally.reservations:
                        # Each worker releases only its own reservations, once.
                        chosen = rng.choice(sorted(tally.reservations))
                        release_reservation(s, chosen)
                        del tally.reservations[chosen]
                    else:
                        continue
                except InsufficientStock:
                    tally.outcomes[f"{op} refused"] += 1
                    continue
                tally.outcomes[op] += 1
        return tally

    # Anything but InsufficientStock (a deadlock, "database is locked", a
    # serialization failure) escapes from its thread and fails the test here.
    with ThreadPoolExecutor(workers) as pool:
        tallies = list(pool.map(work, range(workers)))

    outcomes = sum((t.outcomes for t in tallies), Counter())
    assert sum(q for op, q in outcomes.items() if "refused" not in op) > workers * operations // 2, outcomes

    expected = Counter(stocked.initial)
    for t in tallies:
        expected.update(t.moved)
    reserved = Counter()
    for t in tallies:
        for sku, qty in t.reservations.values():
            reserved[sku] += qty
    with make_sessionmaker(engine)() as s:
        balances = {
            (code, sku): qty
            for code, sku, qty in s.execute(
                select(Location.code, Balance.sku_id, Balance.qty)
                .join(Location, Location.id == Balance.location_id)
                .where(Balance.is_virtual.is_(False))
            )
        }
        levels = {lv.sku_id: lv for lv in s.scalars(select(StockLevel))}
    assert balances == dict(expected)
    assert {sku: lv.reserved for sku, lv in levels.items()} == {sku: reserved[sku] for sku in stocked.sku_ids}
    assert {sku: lv.sellable for sku, lv in levels.items()} == {
        sku: sum(q for (_, s_), q in expected.items() if s_ == sku) for sku in stocked.sku_ids
    }
    assert_check_clean(engine)


def test_eight_workers_posting_at_random_on_postgres_never_deadlock(committed_db, requires_postgres):
    _url, engine = committed_db
    soak(engine, workers=8, operations=150, seed=1)


def test_workers_posting_at_random_on_sqlite_never_find_the_database_locked(committed_db, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite soak runs when the suite runs on SQLite")
    _url, engine = committed_db
    soak(engine, workers=6, operations=100, seed=2)
