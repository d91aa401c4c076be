"""Pure putaway rules: where received units should go.

The rule: the SKU's homes in the current slotting plan first (when the
slotting extension names them), then today's capacity rule: respect each
bin's volume and weight capacity; keep one SKU per bin unless a bin already
holds the SKU; prefer bins that already hold it; otherwise take the free
bins nearest to the dock. A quantity too large for one bin is split over
several, and what fits nowhere is left without a suggestion.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bin:
    location_id: int
    distance_mm: int  # walking distance from the dock
    max_volume_mm3: int | None
    max_weight_g: int | None
    used_volume_mm3: int = 0
    used_weight_g: int = 0
    skus: frozenset[int] = frozenset()  # SKUs held now or promised by open tasks


@dataclass(frozen=True)
class Unit:
    sku_id: int
    volume_mm3: int
    weight_g: int


def units_that_fit(b: Bin, unit: Unit) -> int | None:
    """How many more units the bin takes; None means no limit is known."""
    limits = []
    if b.max_volume_mm3 is not None and unit.volume_mm3 > 0:
        limits.append(max(0, b.max_volume_mm3 - b.used_volume_mm3) // unit.volume_mm3)
    if b.max_weight_g is not None and unit.weight_g > 0:
        limits.append(max(0, b.max_weight_g - b.used_weight_g) // unit.weight_g)
    return min(limits) if limits else None


def fits(b: Bin, unit: Unit, qty: int) -> bool:
    room = units_that_fit(b, unit)
    return room is None or room >= qty


def plan_putaway(bins: list[Bin], unit: Unit, qty: int, preferred: list[int] | tuple[int, ...] = ()
                 ) -> list[tuple[int | None, int]]:
    """Split qty over bins: [(location_id, qty), ...]; a None location holds
    what fits nowhere. The SKU's preferred bins (its homes in the current
    slotting plan) come first, in their order, when they are empty or hold
    only this SKU; then bins holding the SKU, then empty bins, each group
    nearest to the dock first."""
    rank = {loc: k for k, loc in enumerate(preferred)}
    homes = sorted((b for b in bins if b.location_id in rank and b.skus <= {unit.sku_id}),
                   key=lambda b: rank[b.location_id])
    rest = [b for b in bins if b.location_id not in rank]
    holding = sorted((b for b in rest if unit.sku_id in b.skus), key=lambda b: (b.distance_mm, b.location_id))
    empty = sorted((b for b in rest if not b.skus), key=lambda b: (b.distance_mm, b.location_id))
    plan: list[tuple[int | None, int]] = []
    left = qty
    for b in homes + holding + empty:
        if left == 0:
            break
        room = units_that_fit(b, unit)
        take = left if room is None else min(room, left)
        if take > 0:
            plan.append((b.location_id, take))
            left -= take
    if left:
        plan.append((None, left))
    return plan
