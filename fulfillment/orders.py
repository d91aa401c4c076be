"""Orders: creation, allocation (all lines at once in one warehouse, or
nothing and a backorder), backorders allocated in arrival order when stock
arrives, and cancellation. Status changes are the Order model's behaviour
(Order.move_to records the history); reads are in fulfillment.queries."""

from __future__ import annotations

from sqlalchemy import column, func, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fulfillment.models import Order, OrderLine
from fulfillment.picking import drop_open_picks, return_picked_units
from fulfillment.queries import get_order
from wms.auth.principal import Principal
from wms.catalog.models import Seller
from wms.catalog.services import owning_seller, resolve_sku
from wms.db import after_commit, transaction
from wms.errors import Conflict, InsufficientStock, InvalidState, ValidationFailed
from wms.facility.models import Warehouse
from wms.ledger.models import StockLevel
from wms.ledger.services import release_reservation, reserve_stock
from wms.messages import M_

OPEN_FOR_CANCEL = ("backordered", "allocated", "picking", "picked", "packed")


# The channels extension's table, read by name: fulfillment does not import it.
_channels = table("channels", column("id"), column("seller_id"))


def _check_channel(session: Session, channel_id: int, seller_id: int) -> None:
    """An order names one of its seller's own sales channels, or none; another
    seller's channel is answered like one that does not exist."""
    found = session.scalar(select(_channels.c.id).where(_channels.c.id == channel_id,
                                                         _channels.c.seller_id == seller_id))
    if found is None:
        raise ValidationFailed(channel=M_('unknown channel %(channel_id)s', channel_id=channel_id))


def create_order(session: Session, actor: Principal, data: dict) -> Order:
    """Take an order and allocate it at once, or backorder it whole."""
    with transaction(session):
        seller_id = owning_seller(session, actor, data.get("seller"), what="orders",
                                  seller_roles=("seller", "channel"))
        reference = data["reference"]
        if session.scalar(select(Order.id).where(Order.seller_id == seller_id, Order.reference == reference)):
            raise Conflict(M_('order %(reference)s already exists for this seller',
                              reference=reference), {"reference": M_('already exists')})
        requested = None
        if data.get("warehouse"):
            requested = session.scalar(select(Warehouse).where(Warehouse.code == data["warehouse"]))
            if requested is None:
                raise ValidationFailed(warehouse=M_('unknown warehouse %(warehouse)s',
                                                    warehouse=f"{data['warehouse']!r}"))
        if actor.channel_id is None and data.get("channel") is not None:
            _check_channel(session, data["channel"], seller_id)
        scope = Principal(role="seller", seller_id=seller_id)
        seller_code = session.scalar(select(Seller.code).where(Seller.id == seller_id))
        wanted: dict[int, int] = {}
        for i, line in enumerate(data["lines"]):
            sku = resolve_sku(session, scope, line["sku"], seller_code=seller_code, field=f"lines.{i}.sku")
            if sku.id in wanted:
                raise ValidationFailed(errors={f"lines.{i}.sku": M_('%(code)s is listed twice', code=sku.code)})
            wanted[sku.id] = line["qty"]
        ship_to = data["ship_to"]
        order = Order(
            seller_id=seller_id,
            reference=reference,
            channel_id=actor.channel_id or data.get("channel"),
            requested_warehouse_id=requested.id if requested else None,
            warehouse_id=requested.id if requested else None,
            status="backordered",
            ship_to_name=ship_to["name"],
            ship_to_line1=ship_to["line1"],
            ship_to_city=ship_to["city"],
            ship_to_postal_code=ship_to["postal_code"],
            ship_to_country=ship_to["country"],
            carrier=data.get("carrier"),
            service_level=data.get("service_level"),
            ship_by=data.get("ship_by"),
            lines=[OrderLine(owner_id=seller_id, sku_id=sku_id, qty=qty) for sku_id, qty in wanted.items()],
        )
        session.add(order)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(
                M_('order %(reference)s already exists for this seller',
                   reference=reference), {"reference": M_('already exists')}
            ) from exc
        if allocate_order(session, order):
            order.start("allocated", actor, "received; every line reserved")
        else:
            order.start("backordered", actor, "received; not enough stock in one warehouse")
            # Stock released or put away meanwhile looked for backorders before
            # this one was committed, so could not see it: look again after.
            order_id = order.id
            after_commit(session, lambda s: allocate_backorder(s, order_id))
        session.flush()
        return order


def candidate_warehouses(session: Session, order: Order) -> list[int]:
    """Warehouses that might ship the whole order: the one asked for, else
    those in the ship-to country first, then those with the most of it."""
    if order.requested_warehouse_id is not None:
        return [order.requested_warehouse_id]
    sku_ids = [ln.sku_id for ln in order.lines]
    stock = dict(
        session.execute(
            select(StockLevel.warehouse_id, func.sum(StockLevel.sellable - StockLevel.reserved))
            .where(StockLevel.sku_id.in_(sku_ids))
            .group_by(StockLevel.warehouse_id)
        ).all()
    )
    rows = session.execute(select(Warehouse.id, Warehouse.country)).all()
    ranked = sorted(rows, key=lambda r: (r.country != order.ship_to_country, -(stock.get(r.id) or 0), r.id))
    return [r.id for r in ranked if stock.get(r.id)]


def allocate_order(session: Session, order: Order) -> bool:
    """Reserve every open line at once in one warehouse, or nothing. Returns
    whether it fits; the caller records the status change."""
    needed = {ln.id: ln.qty - ln.allocated_qty for ln in order.lines if ln.qty > ln.allocated_qty}
    # Stock levels are locked in SKU order, like every other transaction does.
    lines = sorted(order.lines, key=lambda ln: ln.sku_id)
    if not needed:
        return True
    for warehouse_id in candidate_warehouses(session, order):
        if (
            order.warehouse_id is not None
            and order.warehouse_id != warehouse_id
            and any(ln.allocated_qty for ln in order.lines)
        ):
            continue  # part of it is already allocated (and maybe picked) elsewhere
        savepoint = session.begin_nested()
        try:
            for line in lines:
                if line.id not in needed:
                    continue
                reservation = reserve_stock(
                    session,
                    warehouse_id=warehouse_id,
                    sku_id=line.sku_id,
                    qty=needed[line.id],
                    reference=f"order:{order.id}",
                )
                if line.reservation_id is not None:
                    _close_reservation_link(session, line)
                line.reservation_id = reservation.id
                line.allocated_qty += needed[line.id]
            session.flush()
        except InsufficientStock:
            savepoint.rollback()
            session.refresh(order)
            for line in order.lines:
                session.refresh(line)
            continue
        savepoint.commit()
        order.warehouse_id = warehouse_id
        session.flush()
        return True
    return False


def _close_reservation_link(session: Session, line: OrderLine) -> None:
    """A line re-allocated after a short pick gets a fresh reservation; the
    old one is fully consumed or released by then."""
    line.reservation_id = None


def allocate_backorders(session: Session, arrived: list[tuple[int, int]]) -> None:
    """Stock became available for these (warehouse, sku) pairs: allocate
    waiting orders that need them, oldest first. An order that still does not
    fit is skipped, so one large order cannot block smaller ones. Runs right
    after the transaction that made the stock available; `wms orders
    allocate-backorders` does the same for all backorders (after a crash)."""
    sku_ids = sorted({sku for _wh, sku in arrived})
    waiting = session.scalars(
        select(Order.id)
        .where(
            Order.status == "backordered", Order.id.in_(select(OrderLine.order_id).where(OrderLine.sku_id.in_(sku_ids)))
        )
        .order_by(Order.id)
        .limit(500)
    ).all()
    session.rollback()
    for order_id in waiting:
        allocate_backorder(session, order_id)


def allocate_backorder(session: Session, order_id: int) -> bool:
    with transaction(session):
        order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
        if order is None or order.status != "backordered":
            return False  # a concurrent arrival allocated (or someone cancelled) it
        if not allocate_order(session, order):
            return False
        order.move_to("allocated", None, "stock arrived")
        return True


def allocate_all_backorders(session: Session) -> int:
    """Try every backorder, oldest first; returns how many were allocated."""
    ids = session.scalars(select(Order.id).where(Order.status == "backordered").order_by(Order.id)).all()
    session.rollback()
    return sum(allocate_backorder(session, order_id) for order_id in ids)


def cancel_order(session: Session, actor: Principal, order_id: int) -> Order:
    """Release what is reserved; units already picked go back to storage
    through a putaway task. A shipped order is final.

    Who may cancel: the seller (its own orders), its channel (the orders of
    that channel) and an admin. Not an operator: cancelling a customer's
    order is the seller's decision, not warehouse work (issue 13 D10)."""
    actor.require("seller", "channel", "admin")
    with transaction(session):
        order = get_order(session, actor, order_id, for_update=True)
        if order.status not in OPEN_FOR_CANCEL:
            raise InvalidState(M_('order %(reference)s is %(status)s', reference=order.reference, status=order.status))
        # Lock order: the order, its pick lists, then stock levels, as a pick
        # confirmation takes them, so the two cannot deadlock.
        drop_open_picks(session, order)
        for line in sorted(order.lines, key=lambda ln: ln.sku_id):
            if line.reservation_id is not None and line.allocated_qty > line.picked_qty:
                release_reservation(session, line.reservation_id, line.allocated_qty - line.picked_qty)
            line.allocated_qty = line.picked_qty
        return_picked_units(session, order)
        order.move_to("cancelled", actor)
        session.flush()
        return order
