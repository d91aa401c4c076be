"""Orders that hold stock without shipping: allocated (reserved), picking,
picked or packed for longer than a configurable time (WMS_STUCK_ORDER_HOURS,
72 by default). `wms orders stuck` reports them; with --release it cancels
each through the order service, which releases its reservations through the
ledger (and sends picked units back to storage by a putaway task)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fulfillment.models import Order, OrderLine
from wms.auth.principal import Principal
from wms.catalog.models import Seller
from wms.db import utcnow
from wms.facility.models import Warehouse

HOLDING = ("allocated", "picking", "picked", "packed")


@dataclass(frozen=True)
class StuckOrder:
    id: int
    reference: str
    seller: str
    warehouse: str | None
    status: str
    created_at: datetime
    reserved: int  # units still reserved (allocated, not yet picked)
    picked: int    # units picked and held for the order

    def age_hours(self, now: datetime) -> float:
        return (now - self.created_at).total_seconds() / 3600


def stuck_orders(session: Session, *, older_than: timedelta, now: datetime | None = None) -> list[StuckOrder]:
    """Orders holding stock, created before now - older_than, oldest first."""
    cutoff = (now or utcnow()) - older_than
    rows = session.execute(
        select(Order.id, Order.reference, Seller.code, Warehouse.code, Order.status, Order.created_at,
               func.coalesce(func.sum(OrderLine.allocated_qty - OrderLine.picked_qty), 0),
               func.coalesce(func.sum(OrderLine.picked_qty), 0))
        .join(Seller, Seller.id == Order.seller_id)
        .outerjoin(Warehouse, Warehouse.id == Order.warehouse_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_(HOLDING), Order.created_at < cutoff)
        .group_by(Order.id, Order.reference, Seller.code, Warehouse.code, Order.status, Order.created_at)
        .order_by(Order.created_at, Order.id)
    ).all()
    return [StuckOrder(*row) for row in rows]


def release_stuck(session: Session, orders: list[StuckOrder]) -> int:
    """Cancel each order (as the system), releasing what it holds through the
    ledger. An order that moved on meanwhile (shipped) is left alone."""
    from fulfillment.orders import cancel_order
    from wms.errors import InvalidState

    actor = Principal.system("wms orders stuck --release")
    released = 0
    for order in orders:
        try:
            cancel_order(session, actor, order.id)
            released += 1
        except InvalidState:
            session.rollback()
    return released
