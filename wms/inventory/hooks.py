"""Questions the inventory area asks whoever can answer them (blinker
signals, connected by the extensions' `subscribe`; the answer is what the
receivers return). The core names no extension here.

- `putaway_homes`: where should a SKU be put away first? Receivers take
  (session, *, warehouse_id, sku_id) and return location ids, best first
  (slotting: the SKU's homes in the current plan).
- `stock_commitments`: what will open work take out of bins? Receivers take
  (session, *, warehouse_id) and return {(location_id, sku_id, lot): qty}
  (fulfillment: its open picks), so that a move never takes units a picker
  is on the way to.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
putaway_homes = _signals.signal("putaway-homes")
stock_commitments = _signals.signal("stock-commitments")


def homes_for(session, warehouse_id: int, sku_id: int) -> list[int]:
    """The first receiver's non-empty answer, if any."""
    for _receiver, homes in putaway_homes.send(session, warehouse_id=warehouse_id, sku_id=sku_id):
        if homes:
            return list(homes)
    return []


def committed(session, warehouse_id: int) -> dict[tuple[int, int, str], int]:
    """Units every receiver's open work will take from each (location, SKU, lot)."""
    total: dict[tuple[int, int, str], int] = {}
    for _receiver, answer in stock_commitments.send(session, warehouse_id=warehouse_id):
        for key, qty in (answer or {}).items():
            total[key] = total.get(key, 0) + qty
    return total
