"""Slotting's demo data: 60 days of order history per warehouse, with skewed
demand (Zipf over the SKUs stocked there) and co-purchase groups (a seller's
items bought together: earbuds with a cable and a charger, a lamp with a
storage box...), lithium chargers marked hazmat (UN class 9, zones of their
own), and a first slotting plan per warehouse, so the figures are real on
the first start."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slotting.models import SlottingSkuProfile
from slotting.services import create_plan, import_order_history, run_plan
from wms.auth.principal import Principal
from wms.db import transaction, utcnow
from wms.facility.models import Warehouse
from wms.ledger.models import StockLevel

DAYS = 60
ORDERS_PER_DAY = 90
PLAN_TIME_LIMIT_S = 20.0


def _orders(rng: random.Random, skus: list, days: int, per_day: int):
    """(day offset, [SKU ids]) of each order: a group's items bought together
    most of the time, single popular items otherwise."""
    ranks = list(range(1, len(skus) + 1))
    rng.shuffle(ranks)
    weight = {s.id: 1.0 / r for s, r in zip(skus, ranks, strict=True)}
    by_seller = defaultdict(list)
    for s in skus:
        by_seller[s.seller_id].append(s)
    groups = []
    for members in by_seller.values():
        members = members[:]
        rng.shuffle(members)
        while members:
            size = rng.randint(3, 6)
            groups.append([s.id for s in members[:size]])
            members = members[size:]
    group_weight = [sum(weight[s] for s in g) for g in groups]
    ids = [s.id for s in skus]
    all_weight = [weight[s] for s in ids]
    for day in range(days, 0, -1):
        for _ in range(rng.randint(per_day * 3 // 4, per_day * 5 // 4)):
            lines = rng.choices([1, 2, 3, 4, 6], weights=[35, 30, 18, 11, 6])[0]
            chosen: dict[int, None] = {}
            if lines > 1:
                group = rng.choices(groups, group_weight)[0]
                for _ in range(lines * 3):
                    if len(chosen) >= lines:
                        break
                    chosen[rng.choices(group, [weight[s] for s in group])[0] if rng.random() < 0.8
                           else rng.choices(ids, all_weight)[0]] = None
            else:
                chosen[rng.choices(ids, all_weight)[0]] = None
            yield day, list(chosen)


def demo_slotting(session: Session, rng: random.Random, skus) -> None:
    admin = Principal.system("demo")
    with transaction(session):
        session.add_all(SlottingSkuProfile(sku_id=s.id, hazmat_class="9") for s in skus if "Charger" in s.name)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for warehouse in session.scalars(select(Warehouse).order_by(Warehouse.id)).all():
        stocked = set(session.scalars(select(StockLevel.sku_id).where(StockLevel.warehouse_id == warehouse.id,
                                                                      StockLevel.sellable > 0)))
        here = [s for s in skus if s.id in stocked]
        lines = [{"reference": f"HIST-{warehouse.code}-{n:06d}", "sku_id": sku_id,
                  "qty": rng.choices([1, 2, 3], weights=[80, 15, 5])[0],
                  "ordered_at": now - timedelta(days=day, minutes=rng.randint(0, 1439))}
                 for n, (day, order) in enumerate(_orders(rng, here, DAYS, ORDERS_PER_DAY)) for sku_id in order]
        import_order_history(session, admin, warehouse.code, lines)
        plan = create_plan(session, admin, warehouse.code, {"time_limit_s": PLAN_TIME_LIMIT_S, "seed": 1,
                                                            "horizon_days": DAYS})
        run_plan(session, plan.id)
