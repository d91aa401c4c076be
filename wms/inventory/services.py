"""Stock queries, adjustments and moves. Reads apply the caller's scope in
their queries; writes go through the ledger's post_movement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Seller, Sku
from wms.catalog.services import resolve_sku
from wms.db import transaction
from wms.errors import ValidationFailed
from wms.facility.models import Location, Warehouse
from wms.facility.services import get_location, get_warehouse, resolve_warehouse, virtual_location
from wms.inventory.views import movement_views
from wms.ledger.models import Balance, Movement, Posting, StockLevel
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement
from wms.messages import M_

ADJUSTMENT_REASONS = ("count", "damage", "found", "lost", "expired", "other")
STOCK_READERS = ("admin", "operator", "seller")


def _sku_filter(session: Session, actor: Principal, column, sku: str | None, seller: str | None):
    if sku is None:
        return None
    return column == resolve_sku(session, actor, sku, seller_code=seller).id


def list_stock(
    session: Session,
    actor: Principal,
    *,
    warehouse: str | None = None,
    sku: str | None = None,
    seller: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict]:
    """Warehouse-level stock per (warehouse, seller, SKU), every bucket."""
    actor.require(*STOCK_READERS)
    stmt = (
        select(StockLevel, Warehouse.code, Seller.code, Sku.code)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .join(Sku, Sku.id == StockLevel.sku_id)
        .join(Seller, Seller.id == StockLevel.owner_id)
        .where(
            StockLevel.id > after_id,
            actor.warehouse_filter(StockLevel.warehouse_id),
            actor.seller_filter(StockLevel.owner_id),
        )
    )
    if warehouse:
        stmt = stmt.where(StockLevel.warehouse_id == get_warehouse(session, actor, warehouse).id)
    if seller:
        stmt = stmt.where(Seller.code == seller)
    sku_clause = _sku_filter(session, actor, StockLevel.sku_id, sku, seller)
    if sku_clause is not None:
        stmt = stmt.where(sku_clause)
    # Fresh rows: the ledger changes levels with Core updates the session does not see.
    rows = session.execute(
        stmt.order_by(StockLevel.id).limit(limit + 1).execution_options(populate_existing=True)
    ).all()
    return [
        {
            "id": level.id,
            "warehouse": wh_code,
            "seller": seller_code,
            "sku": sku_code,
            "sku_id": level.sku_id,
            "expected": level.expected,
            "receiving": level.receiving,
            "sellable": level.sellable,
            "reserved": level.reserved,
            "available": level.available,
            "unsellable": level.unsellable,
            "in_transit": level.in_transit,
            "picked": level.picked,
        }
        for level, wh_code, seller_code, sku_code in rows
    ]


def list_location_balances(
    session: Session,
    actor: Principal,
    *,
    warehouse: str | None = None,
    location: str | None = None,
    sku: str | None = None,
    seller: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict]:
    """Stock on hand per physical location, owner, SKU, lot and condition."""
    actor.require(*STOCK_READERS)
    stmt = (
        select(Balance, Warehouse.code, Location.code, Seller.code, Sku.code)
        .join(Warehouse, Warehouse.id == Balance.warehouse_id)
        .join(Location, Location.id == Balance.location_id)
        .join(Sku, Sku.id == Balance.sku_id)
        .join(Seller, Seller.id == Balance.owner_id)
        .where(
            Balance.id > after_id,
            Balance.is_virtual.is_(False),
            Balance.qty != 0,
            actor.warehouse_filter(Balance.warehouse_id),
            actor.seller_filter(Balance.owner_id),
        )
    )
    if warehouse:
        stmt = stmt.where(Balance.warehouse_id == get_warehouse(session, actor, warehouse).id)
    if location:
        stmt = stmt.where(Location.code == location)
    if seller:
        stmt = stmt.where(Seller.code == seller)
    sku_clause = _sku_filter(session, actor, Balance.sku_id, sku, seller)
    if sku_clause is not None:
        stmt = stmt.where(sku_clause)
    rows = session.execute(stmt.order_by(Balance.id).limit(limit + 1).execution_options(populate_existing=True)).all()
    return [
        {
            "id": bal.id,
            "warehouse": wh_code,
            "location": loc_code,
            "seller": seller_code,
            "sku": sku_code,
            "sku_id": bal.sku_id,
            "lot": bal.lot or None,
            "condition": bal.condition,
            "on_hand": bal.qty,
        }
        for bal, wh_code, loc_code, seller_code, sku_code in rows
    ]


def list_movements(
    session: Session,
    actor: Principal,
    *,
    warehouse: str | None = None,
    sku: str | None = None,
    seller: str | None = None,
    since: datetime | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict]:
    """Movements with their postings, oldest first: those touching the
    caller's warehouses (operator) or stock (seller)."""
    actor.require(*STOCK_READERS)
    scope = and_(actor.warehouse_filter(Posting.warehouse_id), actor.seller_filter(Posting.owner_id))
    if warehouse:
        scope = and_(scope, Posting.warehouse_id == get_warehouse(session, actor, warehouse).id)
    sku_clause = _sku_filter(session, actor, Posting.sku_id, sku, seller)
    if sku_clause is not None:
        scope = and_(scope, sku_clause)
    elif seller:
        scope = and_(scope, Posting.owner_id.in_(select(Seller.id).where(Seller.code == seller)))
    stmt = select(Movement).where(Movement.id > after_id, exists().where(Posting.movement_id == Movement.id, scope))
    if since is not None:
        stmt = stmt.where(Movement.created_at >= since)
    movements = list(session.scalars(stmt.order_by(Movement.id).limit(limit + 1)))
    if not movements:
        return []
    # A movement shows whole (its postings sum to zero): an operator sees both
    # legs of a transfer it can see; a seller's postings are all its own,
    # because no movement moves stock between owners.
    return movement_views(session, movements, posting_scope=actor.seller_filter(Posting.owner_id))


def _lot_for(sku: Sku, lot: str | None) -> str:
    if sku.lot_tracked and not lot:
        raise ValidationFailed(lot=M_('required: SKU %(code)s is lot-tracked', code=sku.code))
    return lot or ""


def adjust_stock(
    session: Session,
    actor: Principal,
    *,
    warehouse: str,
    location: str,
    sku: int | str,
    qty: int,
    reason: str,
    seller: str | None = None,
    note: str | None = None,
    lot: str | None = None,
    condition: str = "good",
) -> Movement:
    """Correct the stock in one location; qty is signed. Taking more than is
    there (or than is unreserved) is InsufficientStock."""
    actor.require("admin", "operator")
    if reason not in ADJUSTMENT_REASONS:
        raise ValidationFailed(reason=M_('must be one of %(value)s', value=', '.join(ADJUSTMENT_REASONS)))
    if qty == 0:
        raise ValidationFailed(qty=M_('must not be zero'))
    with transaction(session):
        wh = resolve_warehouse(session, actor, warehouse)
        loc = get_location(session, wh.id, location)
        item = resolve_sku(session, actor, sku, seller_code=seller)
        lot_code = _lot_for(item, lot)
        source = virtual_location(session, wh.id, "adjustment")
        return post_movement(
            session,
            warehouse_id=wh.id,
            kind="count" if reason == "count" else "adjustment",
            lines=[
                PostingLine(loc.id, item.id, qty, lot_code, condition),
                PostingLine(source.id, item.id, -qty, lot_code, condition),
            ],
            actor=actor,
            reason=reason,
            note=note,
        )


def move_stock(
    session: Session,
    actor: Principal,
    *,
    warehouse: str,
    from_location: str,
    to_location: str,
    sku: int | str,
    qty: int,
    seller: str | None = None,
    lot: str | None = None,
    condition: str = "good",
) -> Movement:
    """Move units between two physical locations of one warehouse."""
    actor.require("admin", "operator")
    if qty <= 0:
        raise ValidationFailed(qty=M_('must be a positive integer'))
    if from_location == to_location:
        raise ValidationFailed(to_location=M_('must differ from from_location'))
    with transaction(session):
        wh = resolve_warehouse(session, actor, warehouse)
        src = get_location(session, wh.id, from_location, field="from_location")
        dst = get_location(session, wh.id, to_location, field="to_location")
        item = resolve_sku(session, actor, sku, seller_code=seller)
        lot_code = _lot_for(item, lot)
        return post_movement(
            session,
            warehouse_id=wh.id,
            kind="move",
            lines=[
                PostingLine(src.id, item.id, -qty, lot_code, condition),
                PostingLine(dst.id, item.id, qty, lot_code, condition),
            ],
            actor=actor,
        )
