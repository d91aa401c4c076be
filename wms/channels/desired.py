"""Desired state: each listing's quantity and version, changed in the same
transaction as whatever alters them (a ledger change, heard through the
ledger's ``levels_changed`` event; a rule change; a new listing).

Lock order, so that concurrent writers never deadlock: stock levels (the
ledger's, already held when the event fires), then listings by id, then
channels by id. The listings are locked *before* stock is read: on
PostgreSQL at READ COMMITTED the read that follows the lock sees every
transaction that held it before, so two movements of the same SKU in two
warehouses cannot each compute a sum that misses the other.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from wms.channels.models import Channel, Listing, channel_warehouses
from wms.channels.rules import Rules, sellable_qty
from wms.db import utcnow
from wms.ledger.models import StockLevel

_listings = Listing.__table__
_SET_DESIRED = (
    update(_listings)
    .where(_listings.c.id == bindparam("b_id"))
    .values(desired_qty=bindparam("b_qty"), version=bindparam("b_version"), changed_at=bindparam("b_at"))
)


def available_by_channel_sku(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Available (sellable minus reserved) per (channel, SKU), summed over the
    warehouses each channel may sell from."""
    if not pairs:
        return {}
    channel_ids = sorted({c for c, _ in pairs})
    sku_ids = sorted({s for _, s in pairs})
    rows = session.execute(
        select(channel_warehouses.c.channel_id, StockLevel.sku_id,
               func.sum(StockLevel.sellable - StockLevel.reserved))
        .join(StockLevel, StockLevel.warehouse_id == channel_warehouses.c.warehouse_id)
        .where(channel_warehouses.c.channel_id.in_(channel_ids), StockLevel.sku_id.in_(sku_ids))
        .group_by(channel_warehouses.c.channel_id, StockLevel.sku_id)
    ).all()
    return {(c, s): int(total or 0) for c, s, total in rows}


def refresh_listings(session: Session, listing_ids: Iterable[int]) -> int:
    """Recompute these listings' desired quantities inside the caller's
    transaction; each one that changed takes its channel's next version.
    Returns how many changed."""
    ids = sorted(set(listing_ids))
    if not ids:
        return 0
    rows = session.execute(
        select(_listings.c.id, _listings.c.channel_id, _listings.c.sku_id, _listings.c.desired_qty)
        .where(_listings.c.id.in_(ids)).order_by(_listings.c.id).with_for_update()
    ).all()
    available = available_by_channel_sku(session, {(r.channel_id, r.sku_id) for r in rows})
    channels = {
        c.id: Rules(c.buffer, c.percent, c.max_qty)
        for c in session.execute(select(Channel.id, Channel.buffer, Channel.percent, Channel.max_qty)
                                 .where(Channel.id.in_({r.channel_id for r in rows})))
    }
    changed: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in rows:
        qty = sellable_qty(available.get((r.channel_id, r.sku_id), 0), channels[r.channel_id])
        if qty != r.desired_qty:
            changed[r.channel_id].append((r.id, qty))
    if not changed:
        return 0
    now = utcnow()
    params = []
    for channel_id in sorted(changed):
        items = changed[channel_id]
        top = session.execute(
            update(Channel.__table__).where(Channel.__table__.c.id == channel_id)
            .values(version=Channel.__table__.c.version + len(items)).returning(Channel.__table__.c.version)
        ).scalar_one()
        first = top - len(items) + 1
        params.extend({"b_id": lid, "b_qty": qty, "b_version": first + i, "b_at": now}
                      for i, (lid, qty) in enumerate(items))
    session.execute(_SET_DESIRED, params)
    return len(params)


def on_levels_changed(session: Session, *, changes) -> None:
    """The ledger changed stock levels in this transaction: the listings that
    sell those SKUs from those warehouses get their new desired state here,
    before it commits."""
    touched = [c for c in changes if c.deltas.get("sellable") or c.deltas.get("reserved")]
    if not touched:
        return
    sku_ids = sorted({c.sku_id for c in touched})
    pairs = {(c.warehouse_id, c.sku_id) for c in touched}
    rows = session.execute(
        select(_listings.c.id, _listings.c.sku_id, channel_warehouses.c.warehouse_id)
        .join(channel_warehouses, channel_warehouses.c.channel_id == _listings.c.channel_id)
        .where(_listings.c.sku_id.in_(sku_ids),
               channel_warehouses.c.warehouse_id.in_(sorted({w for w, _ in pairs})))
    ).all()
    refresh_listings(session, [r.id for r in rows if (r.warehouse_id, r.sku_id) in pairs])


def refresh_channel(session: Session, channel_id: int) -> int:
    """After a rule or warehouse change: every listing of the channel."""
    ids = session.scalars(select(_listings.c.id).where(_listings.c.channel_id == channel_id)).all()
    return refresh_listings(session, ids)
