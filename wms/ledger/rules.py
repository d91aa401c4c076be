"""Pure ledger rules over plain data: how postings net out, and which bucket
of warehouse-level stock a location's stock counts in."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

BUCKETS = ("sellable", "receiving", "unsellable", "picked", "in_transit")


@dataclass(frozen=True)
class PostingLine:
    """One leg of a movement, as a service asks for it."""

    location_id: int
    sku_id: int
    qty: int
    lot: str = ""
    condition: str = "good"


def bucket_for(kind: str, condition: str) -> str | None:
    """The warehouse-level bucket that stock in a location of this kind and
    condition belongs to, or None for the virtual sources and sinks."""
    if kind in ("inbound", "customer", "adjustment"):
        return None
    if kind == "in_transit":
        return "in_transit"
    if condition != "good" or kind == "quarantine":
        return "unsellable"
    if kind == "storage":
        return "sellable"
    if kind == "dock":
        return "receiving"
    return "picked"  # pack and ship stations hold picked, not yet shipped, units


def net_lines(lines: Iterable[PostingLine]) -> list[PostingLine]:
    """Merge lines with the same key and drop those that net to zero, in the
    canonical key order in which their balance rows are locked."""
    totals: dict[tuple, int] = defaultdict(int)
    for line in lines:
        totals[(line.location_id, line.sku_id, line.lot, line.condition)] += line.qty
    return [
        PostingLine(location_id=loc, sku_id=sku, lot=lot, condition=cond, qty=qty)
        for (loc, sku, lot, cond), qty in sorted(totals.items())
        if qty != 0
    ]


def unbalanced(lines: Iterable[PostingLine]) -> dict[tuple[int, str], int]:
    """(sku, lot) keys whose quantities do not sum to zero; empty when the
    movement conserves stock (the owner follows from the SKU)."""
    sums: dict[tuple[int, str], int] = defaultdict(int)
    for line in lines:
        sums[(line.sku_id, line.lot)] += line.qty
    return {key: total for key, total in sums.items() if total != 0}


def level_deltas(
    lines: Iterable[PostingLine], kinds: dict[int, str], warehouses: dict[int, int]
) -> dict[tuple[int, int], dict[str, int]]:
    """Bucket changes per (warehouse, sku), sorted, zero buckets omitted."""
    deltas: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        bucket = bucket_for(kinds[line.location_id], line.condition)
        if bucket is not None:
            deltas[(warehouses[line.location_id], line.sku_id)][bucket] += line.qty
    result = {}
    for key in sorted(deltas):
        changed = {b: q for b, q in deltas[key].items() if q != 0}
        if changed:
            result[key] = changed
    return result
