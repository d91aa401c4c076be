"""Inventory's reads for the operations pages: the putaway backlog and the
counts per warehouse, and the evidence beside a count's large variances."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.catalog.models import Sku
from wms.inventory.models import Count, Task
from wms.ledger.models import Balance, Movement, Posting


def putaway_backlog(session: Session, warehouse_id: int) -> dict:
    """Open putaway tasks: how many, their units still to put away, and when the oldest was raised."""
    tasks, units, oldest = session.execute(
        select(func.count(), func.coalesce(func.sum(Task.qty - Task.qty_done), 0), func.min(Task.created_at))
        .where(Task.warehouse_id == warehouse_id, Task.type == "putaway", Task.status == "open")
    ).one()
    return {"tasks": int(tasks), "units": int(units), "oldest": oldest}


def count_figures(session: Session, warehouse_id: int) -> dict[str, int]:
    rows = dict(session.execute(
        select(Count.status, func.count()).where(Count.warehouse_id == warehouse_id,
                                                 Count.status.in_(("open", "pending_approval")))
        .group_by(Count.status)
    ).all())
    return {"open": int(rows.get("open", 0)), "awaiting_approval": int(rows.get("pending_approval", 0))}


def age_hours(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    return (now - since).total_seconds() / 3600


def variance_evidence(session: Session, counts: list[Count], per_line: int = 5) -> dict[int, list[dict]]:
    """For each count line waiting for approval, the latest movements of
    its SKU in its bin (what happened there before the count), by line id."""
    evidence: dict[int, list[dict]] = {}
    for count in counts:
        for line in count.lines:
            if line.status != "pending":
                continue
            rows = session.execute(
                select(Movement.id, Movement.kind, Movement.reference, Movement.created_at, Posting.qty)
                .join(Movement, Movement.id == Posting.movement_id)
                .where(Posting.location_id == line.location_id, Posting.sku_id == line.sku_id,
                       Posting.lot == line.lot, Posting.condition == line.condition)
                .order_by(Posting.id.desc()).limit(per_line)
            ).all()
            evidence[line.id] = [{"movement_id": m, "kind": kind, "reference": ref, "at": at, "qty": qty}
                                 for m, kind, ref, at, qty in rows]
    return evidence


def location_fill(session: Session, warehouse_id: int) -> dict[int, tuple[int, int]]:
    """Per physical location: (units on hand, cubic millimetres they take)."""
    rows = session.execute(
        select(Balance.location_id, func.sum(Balance.qty),
               func.sum(Balance.qty * Sku.length_mm * Sku.width_mm * Sku.height_mm))
        .join(Sku, Sku.id == Balance.sku_id)
        .where(Balance.warehouse_id == warehouse_id, Balance.is_virtual.is_(False), Balance.qty > 0)
        .group_by(Balance.location_id)
    ).all()
    return {loc: (int(units), int(volume or 0)) for loc, units, volume in rows}


def picks_per_location(session: Session, warehouse_id: int, since: datetime) -> dict[int, int]:
    """Pick movements that took stock from each location since a time."""
    rows = session.execute(
        select(Posting.location_id, func.count(func.distinct(Posting.movement_id)))
        .join(Movement, Movement.id == Posting.movement_id)
        .where(Movement.warehouse_id == warehouse_id, Movement.kind == "pick", Movement.created_at >= since,
               Posting.qty < 0, Posting.is_virtual.is_(False))
        .group_by(Posting.location_id)
    ).all()
    return {loc: int(n) for loc, n in rows}
