"""Pure rule: which bins an order line is picked from.

First expiry, first out for expiry-tracked stock (an earlier expiry is
always taken first); then as few locations as possible; then the shortest
walk from the pack station.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Stock:
    location_id: int
    lot: str
    expiry: date | None
    free: int  # on hand minus what open picks already take from it
    distance_mm: int  # from the pack station


def choose_bins(need: int, stock: list[Stock]) -> list[tuple[Stock, int]]:
    """[(stock, qty), ...] totalling need, or [] when there is not enough."""
    usable = [s for s in stock if s.free > 0]
    if sum(s.free for s in usable) < need:
        return []
    by_expiry: dict[date | None, list[Stock]] = {}
    for s in usable:
        by_expiry.setdefault(s.expiry, []).append(s)
    order = sorted(by_expiry, key=lambda e: (e is None, e or date.max))
    plan: list[tuple[Stock, int]] = []
    left = need
    for expiry in order:
        group = by_expiry[expiry]
        if left == 0:
            break
        group_total = sum(s.free for s in group)
        if group_total >= left:
            plan += _fewest_then_nearest(group, left)
            left = 0
        else:
            plan += [(s, s.free) for s in group]
            left -= group_total
    return plan


def _fewest_then_nearest(group: list[Stock], need: int) -> list[tuple[Stock, int]]:
    # One bin that holds it all, the nearest such; otherwise the fullest bins
    # first (fewest locations), nearer first among equals.
    whole = [s for s in group if s.free >= need]
    if whole:
        return [(min(whole, key=lambda s: (s.distance_mm, s.location_id)), need)]
    plan, left = [], need
    for s in sorted(group, key=lambda s: (-s.free, s.distance_mm, s.location_id)):
        take = min(s.free, left)
        plan.append((s, take))
        left -= take
        if left == 0:
            break
    return plan
