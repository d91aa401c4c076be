"""A channel's allocation rules, as pure functions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    buffer: int = 0
    percent: int = 100
    max_qty: int | None = None


def sellable_qty(available: int, rules: Rules) -> int:
    """What a channel may show of this much available stock: the safety
    buffer off first, then the channel's share (rounded down, so 90% of 1 is
    0), capped at the maximum, never below zero."""
    qty = max(0, available - rules.buffer) * rules.percent // 100
    if rules.max_qty is not None:
        qty = min(qty, rules.max_qty)
    return max(0, qty)


def push_order_key(desired: int, pushed: int | None) -> tuple[int, int]:
    """Sort key for due listings: decreases (and first pushes to zero) go
    before increases, the biggest drop first: showing more than the
    warehouse can ship oversells, showing less only waits."""
    if pushed is None:
        return (0 if desired == 0 else 1, 0)
    return (0, desired - pushed) if desired < pushed else (1, 0)
