"""The putaway suggestion reads only what it needs: the bins that hold (or
are promised) the SKU and the storage bins nearest to the dock, in growing
batches until the free ones can take every unit. Its plan is the one the
rule gives over the occupancy of the whole warehouse."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from tests.factories import SkuFactory, make_warehouse, put_stock
from wms import cache as wms_cache
from wms.catalog.models import Sku
from wms.facility.models import Location
from wms.facility.rules import LayoutParams
from wms.facility.services import station
from wms.inventory import tasks as tasks_module
from wms.inventory.models import Task
from wms.inventory.rules import Bin, Unit, plan_putaway
from wms.ledger.models import Balance

LAYOUT = LayoutParams(blocks=1, aisles=6, bays_per_aisle=10, levels=2)  # 240 storage bins


def whole_warehouse_plan(session, warehouse_id: int, dock: Location, sku: Sku, qty: int):
    """The rule over every balance and open task of the warehouse (what the
    suggestion computed before it read only the nearest bins)."""
    used: dict[int, tuple[int, int, set[int]]] = {}
    volume = Sku.length_mm * Sku.width_mm * Sku.height_mm
    rows = list(session.execute(
        select(Balance.location_id, Balance.sku_id, Balance.qty, volume, Sku.weight_g)
        .join(Sku, Sku.id == Balance.sku_id)
        .where(Balance.warehouse_id == warehouse_id, Balance.is_virtual.is_(False), Balance.qty > 0)
    )) + list(session.execute(
        select(Task.suggested_location_id, Task.sku_id, Task.qty - Task.qty_done, volume, Sku.weight_g)
        .join(Sku, Sku.id == Task.sku_id)
        .where(Task.warehouse_id == warehouse_id, Task.status == "open", Task.suggested_location_id.is_not(None))
    ))
    for loc_id, sku_id, q, vol, wt in rows:
        v, w, skus = used.get(loc_id, (0, 0, set()))
        used[loc_id] = (v + q * vol, w + q * wt, skus | {sku_id})
    ordered, _by_id = tasks_module._bins_by_distance(session, warehouse_id, dock)
    empty = (0, 0, set())
    bins = [Bin(loc_id, dist, vol, wt, *used.get(loc_id, empty)[:2], frozenset(used.get(loc_id, empty)[2]))
            for loc_id, dist, vol, wt in ordered]
    return plan_putaway(bins, Unit(sku.id, sku.volume_mm3, sku.weight_g), qty)


@pytest.fixture
def warehouse(session, world):
    wh = make_warehouse(session, "WH3", "US", layout=LAYOUT)
    wms_cache.clear_all()
    return wh


def _occupy(session, warehouse, bins: list[int], skus: list[Sku], rng: random.Random) -> None:
    codes = dict(session.execute(select(Location.id, Location.code).where(Location.id.in_(bins))).all())
    for loc_id in bins:
        put_stock(session, warehouse, codes[loc_id], rng.choice(skus), rng.randint(1, 400))


@pytest.mark.parametrize("seed", range(6))
def test_the_plan_is_the_rules_plan_over_the_whole_warehouse(session, world, warehouse, seed):
    rng = random.Random(seed)
    dock = station(session, warehouse.id, "dock")
    skus = [SkuFactory(seller=world.seller_a, code=f"S-{seed}-{i}") for i in range(5)]
    ordered, _ = tasks_module._bins_by_distance(session, warehouse.id, dock)
    # The nearest bins are mostly full (so that later batches are read), a few far ones too.
    near = [b[0] for b in ordered[:rng.randint(20, 120)] if rng.random() < 0.9]
    far = rng.sample([b[0] for b in ordered[120:]], 10)
    _occupy(session, warehouse, near + far, skus, rng)
    for _ in range(3):  # open tasks promise bins too
        tasks_module.create_putaway_tasks(session, warehouse_id=warehouse.id, dock=dock, sku=rng.choice(skus),
                                          qty=rng.randint(1, 900), lot="", source_type="asn", source_id=seed)
    for sku in skus:
        for qty in (1, 37, 480, 2_500, 40_000):
            assert tasks_module.plan_putaway_for(session, warehouse.id, dock, sku, qty) == \
                whole_warehouse_plan(session, warehouse.id, dock, sku, qty), (sku.code, qty)


def test_a_scan_reads_the_nearest_bins_and_the_skus_own_not_the_whole_warehouse(session, world, warehouse,
                                                                                monkeypatch):
    rng = random.Random(1)
    dock = station(session, warehouse.id, "dock")
    skus = [SkuFactory(seller=world.seller_a, code=f"R-{i}") for i in range(4)]
    ordered, _ = tasks_module._bins_by_distance(session, warehouse.id, dock)
    # 150 occupied bins far from the dock; the SKU itself sits in the farthest one.
    _occupy(session, warehouse, [b[0] for b in ordered[-151:-1]], skus[1:], rng)
    put_stock(session, warehouse, session.get(Location, ordered[-1][0]).code, skus[0], 5)
    read: list[int] = []
    occupancy = tasks_module._occupancy

    def spy(*args, **kwargs):
        found = occupancy(*args, **kwargs)
        read.extend(found)
        return found

    monkeypatch.setattr(tasks_module, "_occupancy", spy)
    plan = tasks_module.plan_putaway_for(session, warehouse.id, dock, skus[0], 3)

    assert plan == [(ordered[-1][0], 3)]
    assert read == [ordered[-1][0]]  # of 151 occupied bins, only the SKU's own was read
