"""Generated slotting instances (tests and bench/slotting.py), seeded.

A rectangular layout (`LayoutParams`), its storage locations as slots, the
depot at the pack station (front cross aisle, middle aisle). SKUs get
Zipf(`zipf_s`) popularity over a random permutation, unit sizes from four
carton classes and stock of `cover_days` of demand. Orders:

- uncorrelated: `lines` is 1 + Poisson(mean_lines - 1), each line a SKU
  drawn by popularity (distinct within an order);
- correlated: SKUs are split at random into co-purchase groups of 3-8; an
  order takes its group by the group's popularity and draws most of its
  lines inside the group (each line stays inside with probability
  `in_group`), the rest by popularity.

Demand (picks per day) is counted from the training orders spread over
`days` days, like the live demand model does from shipped orders; the
evaluation orders are drawn afterwards from the same distribution (a hold-out
sample). The current placement is random (an occupied warehouse slotted by
nobody).
"""
from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass

from slotting.solver import Problem, Rules, SkuIn, SlotIn
from wms.facility.rules import LayoutParams, generate_layout

SIZES = [(120, 80, 40, 150), (200, 150, 80, 600), (300, 200, 150, 2000), (450, 300, 250, 6000)]


@dataclass(frozen=True)
class Spec:
    skus: int = 900
    layout: LayoutParams = LayoutParams(1, 10, 45, 1)
    correlated: bool = True
    train_orders: int = 2000
    eval_orders: int = 300
    mean_lines: float = 4.0
    in_group: float = 0.8
    zipf_s: float = 1.0
    days: int = 30
    cover_days: tuple[int, int] = (3, 10)  # stock on hand, in days of demand
    seed: int = 1


def slots_of(layout: LayoutParams) -> tuple[list[SlotIn], tuple[int, int]]:
    specs = generate_layout(layout)
    slots = [SlotIn(i + 1, s.x_mm, s.y_mm, s.level, s.block, s.aisle, s.max_volume_mm3, s.max_weight_g, s.code)
             for i, s in enumerate(x for x in specs if x.kind == "storage")]
    pack = next(s for s in specs if s.kind == "pack")
    return slots, (pack.x_mm, pack.y_mm)


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(spec: Spec, **overrides) -> Problem:
    rng = random.Random(spec.seed)
    slots, depot = slots_of(spec.layout)
    ids = list(range(1, spec.skus + 1))
    ranks = ids[:]
    rng.shuffle(ranks)
    popularity = {sku: 1.0 / ranks[k] ** spec.zipf_s for k, sku in enumerate(ids)}
    weights = [popularity[s] for s in ids]
    groups: list[list[int]] = []
    pool = ids[:]
    rng.shuffle(pool)
    while pool:
        size = rng.randint(3, 8)
        groups.append(pool[:size])
        pool = pool[size:]
    group_weights = [sum(popularity[s] for s in g) for g in groups]
    cum_weights = list(itertools.accumulate(weights))
    cum_group_weights = list(itertools.accumulate(group_weights))

    def order() -> list[int]:
        n = min(spec.skus, 1 + _poisson(rng, spec.mean_lines - 1))
        chosen: dict[int, None] = {}
        group = rng.choices(groups, cum_weights=cum_group_weights)[0] if spec.correlated else None
        for _ in range(n * 4):
            if len(chosen) >= n:
                break
            if group is not None and rng.random() < spec.in_group:
                sku = rng.choices(group, [popularity[s] for s in group])[0]
            else:
                sku = rng.choices(ids, cum_weights=cum_weights)[0]
            chosen[sku] = None
        return list(chosen)

    train = [order() for _ in range(spec.train_orders)]
    evaluation = [order() for _ in range(spec.eval_orders)]
    picks = Counter(s for o in train for s in o)
    skus = []
    for sku in ids:
        length, width, height, weight = SIZES[rng.randrange(len(SIZES))]
        per_day = picks[sku] / spec.days
        units = max(1, round(per_day * rng.randint(*spec.cover_days)))
        skus.append(SkuIn(sku, per_day, length * width * height, weight, units, owner_id=1 + sku % 3,
                          code=f"G-{sku:05d}"))
    order_slots = list(range(len(slots)))
    rng.shuffle(order_slots)
    current = {sku: [slots[order_slots[k]].location_id] for k, sku in enumerate(ids) if k < len(slots)}
    rules = Rules(golden_levels=(1,) if spec.layout.levels == 1 else (2, 3))
    fields = dict(skus=skus, slots=slots, depot=depot, layout=spec.layout, orders=train, eval_orders=evaluation,
                  current=current, rules=rules, seed=spec.seed)
    fields.update(overrides)
    return Problem(**fields)
