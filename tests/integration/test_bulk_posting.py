"""Bulk posting (issue 12): post_movements writes many movements in one
transaction (on PostgreSQL in one round trip, psycopg's pipeline mode) and
leaves exactly what the same movements posted one by one leave; when one
fails its guards, none is written and its error is raised."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import SkuFactory, make_world
from wms.errors import InsufficientStock
from wms.facility.models import Location
from wms.ledger.models import Balance, Movement, Posting, StockLevel
from wms.ledger.rules import PostingLine
from wms.ledger.services import MovementSpec, post_movement, post_movements


def _places(session, world):
    rows = {kind: session.scalar(select(Location.id).where(Location.warehouse_id == world.wh1.id,
                                                           Location.kind == kind).order_by(Location.id))
            for kind in ("inbound", "dock")}
    bins = list(session.scalars(select(Location.id).where(Location.warehouse_id == world.wh1.id,
                                                          Location.kind == "storage").order_by(Location.id).limit(4)))
    return rows["inbound"], rows["dock"], bins


def _pallet(inbound, dock, bins, skus):
    """A pallet's receipts, then putaways of some of it."""
    specs = [MovementSpec(0, "receipt", [PostingLine(inbound, sku, -qty), PostingLine(dock, sku, qty)],
                          reference=f"pallet:{i}") for i, (sku, qty) in enumerate(skus)]
    specs += [MovementSpec(0, "putaway", [PostingLine(dock, sku, -1), PostingLine(bins[i % len(bins)], sku, 1)])
              for i, (sku, _qty) in enumerate(skus)]
    return specs


def _ledger(session, sku_ids):
    balances = sorted(session.execute(select(Balance.location_id, Balance.sku_id, Balance.qty)
                                      .where(Balance.sku_id.in_(sku_ids))).all())
    levels = sorted(session.execute(select(StockLevel.sku_id, StockLevel.receiving, StockLevel.sellable)
                                    .where(StockLevel.sku_id.in_(sku_ids))).all())
    return balances, levels


def test_a_bulk_posting_leaves_what_one_by_one_leaves(session):
    world = make_world(session)
    inbound, dock, bins = _places(session, world)
    one = [SkuFactory(seller=world.seller_a, code=f"P1-{i}").id for i in range(6)]
    bulk = [SkuFactory(seller=world.seller_a, code=f"P2-{i}").id for i in range(6)]
    session.commit()

    for spec in _pallet(inbound, dock, bins, [(s, 3 + i) for i, s in enumerate(one)]):
        post_movement(session, warehouse_id=world.wh1.id, kind=spec.kind, lines=spec.lines, reference=spec.reference)
    specs = [spec._replace(warehouse_id=world.wh1.id)
             for spec in _pallet(inbound, dock, bins, [(s, 3 + i) for i, s in enumerate(bulk)])]
    movements = post_movements(session, specs)

    assert [m.kind for m in movements] == [s.kind for s in specs]
    assert all(len(m.postings) == 2 and m.id for m in movements)
    rename = dict(zip(bulk, one, strict=True))
    b_balances, b_levels = _ledger(session, bulk)
    assert ([(loc, rename[sku], qty) for loc, sku, qty in b_balances],
            [(rename[sku], r, s) for sku, r, s in b_levels]) == _ledger(session, one)
    assert session.scalar(select(func.count()).select_from(Posting).where(Posting.sku_id.in_(bulk))) == 24


def test_a_bulk_posting_with_one_bad_movement_writes_nothing(session):
    world = make_world(session)
    inbound, dock, bins = _places(session, world)
    sku = SkuFactory(seller=world.seller_a, code="P3-1").id
    session.commit()
    before = session.scalar(select(func.count()).select_from(Movement))
    specs = [MovementSpec(world.wh1.id, "receipt", [PostingLine(inbound, sku, -2), PostingLine(dock, sku, 2)]),
             MovementSpec(world.wh1.id, "putaway", [PostingLine(dock, sku, -5), PostingLine(bins[0], sku, 5)])]

    with pytest.raises(InsufficientStock, match="holds less than 5"):
        post_movements(session, specs)

    assert session.scalar(select(func.count()).select_from(Movement)) == before
    assert _ledger(session, [sku]) == ([], [])
