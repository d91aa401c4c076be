"""The ledger's declared events (blinker signals). Higher packages subscribe
here; nothing outside the ledger touches its private state.

``levels_changed``
    Sent *inside* the write transaction, after a movement, reservation,
    release or expected-bucket change has updated warehouse stock levels.
    Sender: the Session. Keyword ``changes``: a list of ``LevelChange``, one
    per (warehouse, SKU) whose buckets changed, in canonical key order. A
    subscriber may write in the same transaction (the sync bumps listing
    versions there) so that the change and its consequence commit together;
    it must not lock stock levels of other SKUs (lock order).

``stock_available``
    Sent *after* the transaction that made stock available has committed
    (sellable stock arrived, or a reservation was released), in a
    transaction of its own. Sender: the Session. Keyword ``keys``: sorted
    (warehouse_id, sku_id) pairs. Fulfillment allocates waiting backorders.
    A service can withhold a key for its own transaction with
    ``withhold_available`` (a short pick's release must not re-allocate the
    units it just failed to find).

Subscribers connect in their package's ``register()`` (see wms.extensions),
not at import time of the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Namespace
from sqlalchemy.orm import Session

from wms.db import after_commit, write_scope

_signals = Namespace()

levels_changed = _signals.signal("levels-changed")
stock_available = _signals.signal("stock-available")

@dataclass(frozen=True)
class LevelChange:
    """What one ledger write did to one (warehouse, SKU)'s buckets."""

    warehouse_id: int
    sku_id: int
    owner_id: int
    deltas: dict[str, int] = field(default_factory=dict)

    @property
    def available_delta(self) -> int:
        return self.deltas.get("sellable", 0) - self.deltas.get("reserved", 0)


def announce_levels(session: Session, changes: list[LevelChange]) -> None:
    """Tell subscribers, in this transaction, what changed."""
    if changes and levels_changed.receivers:
        levels_changed.send(session, changes=sorted(changes, key=lambda c: (c.warehouse_id, c.sku_id)))


class _Arrivals:
    """The after-commit hook of one write transaction: the (warehouse, SKU)
    pairs it made available. It lives in the session's write scope, so a
    rollback forgets it with the rest of the transaction."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()

    def __call__(self, session: Session) -> None:
        if self.keys:
            stock_available.send(session, keys=sorted(self.keys))


def _arrivals(session: Session, *, create: bool) -> _Arrivals | None:
    hooks = write_scope(session).after_commit
    found = next((hook for hook in hooks if isinstance(hook, _Arrivals)), None)
    if found is None and create:
        found = _Arrivals()
        after_commit(session, found)
    return found


def announce_available(session: Session, keys: list[tuple[int, int]]) -> None:
    """Queue (warehouse, SKU) pairs whose available stock grew; subscribers
    hear of them once the transaction has committed."""
    if keys and stock_available.receivers:
        _arrivals(session, create=True).keys.update(keys)


def withhold_available(session: Session, key: tuple[int, int]) -> None:
    """Do not announce what this transaction has made available so far for
    this (warehouse, SKU)."""
    arrivals = _arrivals(session, create=False)
    if arrivals is not None:
        arrivals.keys.discard(key)
