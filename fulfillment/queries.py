"""Fulfillment's reads, shared by its services and screens: one order, pick
list or wave as the caller may see it, the lists, and the stock a wave or a
short pick can still take from storage."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fulfillment.bins import Stock
from fulfillment.models import ORDER_STATUSES, Carton, Order, Pick, PickList, PickListTote, Wave
from wms.auth.lookup import get_visible
from wms.auth.principal import Principal
from wms.catalog.models import Lot, Sku
from wms.db import utcnow
from wms.errors import NotFound, ValidationFailed
from wms.facility.models import Location
from wms.facility.rules import Geometry, travel_distance_mm
from wms.facility.services import resolve_warehouse
from wms.ledger.models import Balance
from wms.messages import M_


def get_order(session: Session, actor: Principal, order_id: int, *, for_update: bool = False) -> Order:
    # An operator sees the orders of its warehouses (not one still unassigned);
    # a channel sees only the orders it sent.
    order = get_visible(session, actor, Order, order_id, roles=None, what="order", seller="seller_id",
                        for_update=for_update)
    if actor.role == "channel" and order.channel_id != actor.channel_id:
        raise NotFound(M_('order not found'))
    return order


def list_orders(
    session: Session,
    actor: Principal,
    *,
    status: str | None = None,
    warehouse: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[Order]:
    stmt = select(Order).where(
        Order.id > after_id, actor.seller_filter(Order.seller_id), actor.warehouse_filter(Order.warehouse_id)
    )
    if actor.role == "channel":
        stmt = stmt.where(Order.channel_id == actor.channel_id)
    if status:
        stmt = stmt.where(Order.status == status)
    if warehouse:
        stmt = stmt.where(Order.warehouse_id == resolve_warehouse(session, actor, warehouse).id)
    return list(session.scalars(stmt.order_by(Order.id).limit(limit + 1)))


def get_wave(session: Session, actor: Principal, wave_id: int) -> Wave:
    return get_visible(session, actor, Wave, wave_id, roles=("admin", "operator"), what="wave")


def get_pick_list(session: Session, actor: Principal, pick_list_id: int, *, for_update: bool = False) -> PickList:
    return get_visible(session, actor, PickList, pick_list_id, roles=("admin", "operator"), what="pick list",
                       for_update=for_update)


def order_for_scan(session: Session, actor: Principal, code: str, *, status: str) -> Order:
    """The order a packer or shipper scanned: its tote (the latest order put
    into it) or its reference, among the orders of that status the caller may
    see. Not found (or in another status) is NotFound naming the scan."""
    actor.require("admin", "operator")
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(code="scan a tote or an order")
    visible = [Order.status == status, actor.warehouse_filter(Order.warehouse_id)]
    order = session.scalar(
        select(Order).join(PickListTote, PickListTote.order_id == Order.id)
        .where(PickListTote.tote == code.upper(), *visible).order_by(PickListTote.id.desc()).limit(1))
    if order is None:
        found = list(session.scalars(select(Order).where(Order.reference == code, *visible).limit(2)))
        if len(found) > 1:
            raise ValidationFailed(code=f"{code} is the reference of orders of several sellers: scan the tote")
        order = found[0] if found else None
    if order is None:
        raise NotFound(f"no {status} order in tote or with reference {code}", {"code": "not found"})
    return order


def open_pick_qty(session: Session, warehouse_id: int, sku_ids: set[int]) -> dict[tuple[int, int, str], int]:
    """Units that open picks will still take, per (location, sku, lot)."""
    rows = session.execute(
        select(Pick.location_id, Pick.sku_id, Pick.lot, func.sum(Pick.qty - Pick.picked_qty))
        .join(PickList, PickList.id == Pick.pick_list_id)
        .where(PickList.warehouse_id == warehouse_id, Pick.status == "open", Pick.sku_id.in_(sku_ids))
        .group_by(Pick.location_id, Pick.sku_id, Pick.lot)
    ).all()
    return {(loc, sku, lot): int(q) for loc, sku, lot, q in rows}


def storage_stock(session: Session, warehouse_id: int, sku_ids: set[int], depot: tuple[int, int],
                  geometry: Geometry, exclude: set[int] = frozenset()) -> dict[int, list[Stock]]:
    """Pickable stock per SKU: good units in storage, minus open picks."""
    taken = open_pick_qty(session, warehouse_id, sku_ids)
    rows = session.execute(
        select(Balance.location_id, Balance.sku_id, Balance.lot, Balance.qty, Lot.expiry, Location.x_mm, Location.y_mm)
        .join(Location, Location.id == Balance.location_id)
        .outerjoin(Lot, (Lot.sku_id == Balance.sku_id) & (Lot.lot == Balance.lot))
        .where(Balance.warehouse_id == warehouse_id, Balance.sku_id.in_(sku_ids), Balance.condition == "good",
               Location.kind == "storage", Location.active.is_(True), Balance.qty > 0)
    ).all()
    stock: dict[int, list[Stock]] = defaultdict(list)
    for loc_id, sku_id, lot, qty, expiry, x, y in rows:
        if loc_id in exclude:
            continue
        free = qty - taken.get((loc_id, sku_id, lot), 0)
        if free > 0:
            stock[sku_id].append(Stock(loc_id, lot, expiry, free, travel_distance_mm(geometry, depot, (x, y))))
    return stock


def picked_by_lot(session: Session, order_id: int) -> dict[tuple[int, str], int]:
    """Units picked for an order per (sku, lot): what is on the carts for it."""
    rows = session.execute(
        select(Pick.sku_id, Pick.lot, func.sum(Pick.picked_qty))
        .where(Pick.order_id == order_id, Pick.picked_qty > 0)
        .group_by(Pick.sku_id, Pick.lot)
    ).all()
    return {(sku_id, lot): int(q) for sku_id, lot, q in rows}


def search_orders(session: Session, actor: Principal, *, status: str | None = None, warehouse: str | None = None,
                  q: str = "", late: bool = False, due_before: datetime | None = None, page: int = 1,
                  per_page: int = 50) -> tuple[list[Order], int]:
    """A page of the caller's orders, newest first, and how many match in all;
    `late`: open orders whose ship-by time has passed; `due_before`: open
    orders to ship from now until then."""
    if status and status not in ORDER_STATUSES:
        raise ValidationFailed(status=f"must be one of {', '.join(ORDER_STATUSES)}")
    stmt = select(Order).where(actor.seller_filter(Order.seller_id), actor.warehouse_filter(Order.warehouse_id))
    if actor.role == "channel":
        stmt = stmt.where(Order.channel_id == actor.channel_id)
    if status:
        stmt = stmt.where(Order.status == status)
    if warehouse:
        stmt = stmt.where(Order.warehouse_id == resolve_warehouse(session, actor, warehouse).id)
    if late:
        stmt = stmt.where(Order.ship_by < utcnow(), Order.status.not_in(("shipped", "cancelled")))
    if due_before is not None:
        stmt = stmt.where(Order.ship_by >= utcnow(), Order.ship_by < due_before,
                          Order.status.not_in(("shipped", "cancelled")))
    if q.strip():
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(func.lower(Order.reference).like(pattern, escape="\\")
                          | func.lower(func.coalesce(Order.tracking_number, "")).like(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    orders = session.scalars(stmt.order_by(Order.id.desc()).offset((max(page, 1) - 1) * per_page).limit(per_page))
    return list(orders), int(total or 0)


def order_picks(session: Session, order_id: int) -> list[dict]:
    """The picks made or planned for an order, by pick list and sequence."""
    rows = session.execute(
        select(Pick, Location.code, Sku.code)
        .join(Location, Location.id == Pick.location_id)
        .join(Sku, Sku.id == Pick.sku_id)
        .where(Pick.order_id == order_id)
        .order_by(Pick.pick_list_id, Pick.seq)
    ).all()
    return [{"pick_list_id": p.pick_list_id, "seq": p.seq, "location": loc, "sku": sku, "lot": p.lot or None,
             "qty": p.qty, "picked_qty": p.picked_qty, "status": p.status, "picked_at": p.picked_at}
            for p, loc, sku in rows]


def order_cartons(session: Session, order_id: int) -> list[dict]:
    cartons = list(session.scalars(select(Carton).where(Carton.order_id == order_id).order_by(Carton.id)))
    skus = dict(session.execute(select(Sku.id, Sku.code).where(
        Sku.id.in_({ln.sku_id for c in cartons for ln in c.lines}))).all()) if cartons else {}
    return [{"id": c.id, "size": f"{c.length_mm}×{c.width_mm}×{c.height_mm} mm", "weight_g": c.weight_g,
             "lines": [{"sku": skus[ln.sku_id], "qty": ln.qty} for ln in c.lines]} for c in cartons]


def order_figures(session: Session, warehouse_id: int, day_start: datetime, day_end: datetime) -> dict:
    """The dashboard's fulfillment figures for one warehouse: orders per
    status, open orders late against their ship-by time or due today, open
    pick lists and picks, and short picks since day_start."""
    now = utcnow()
    in_warehouse = Order.warehouse_id == warehouse_id
    still_open = Order.status.not_in(("shipped", "cancelled"))
    by_status = dict(session.execute(
        select(Order.status, func.count()).where(in_warehouse).group_by(Order.status)).all())

    def orders(*where) -> int:
        return int(session.scalar(select(func.count()).select_from(Order).where(in_warehouse, still_open, *where))
                   or 0)

    def picks(*where) -> int:
        stmt = select(func.count()).select_from(Pick).join(PickList, PickList.id == Pick.pick_list_id)
        return int(session.scalar(stmt.where(PickList.warehouse_id == warehouse_id, *where)) or 0)

    return {
        "by_status": {s: int(by_status.get(s, 0)) for s in ORDER_STATUSES},
        "late": orders(Order.ship_by < now),
        "due_today": orders(Order.ship_by >= now, Order.ship_by < day_end),
        "open_pick_lists": int(session.scalar(select(func.count()).select_from(PickList).where(
            PickList.warehouse_id == warehouse_id, PickList.status == "open")) or 0),
        "open_picks": picks(Pick.status == "open"),
        "short_picks": picks(Pick.status == "short", Pick.picked_at >= day_start),
    }


def open_pick_commitments(session: Session, warehouse_id: int) -> dict[tuple[int, int, str], int]:
    """Units that open picks will take from each (bin, SKU, lot) of a warehouse."""
    rows = session.execute(
        select(Pick.location_id, Pick.sku_id, Pick.lot, func.sum(Pick.qty - Pick.picked_qty))
        .join(PickList, PickList.id == Pick.pick_list_id)
        .where(PickList.warehouse_id == warehouse_id, Pick.status == "open")
        .group_by(Pick.location_id, Pick.sku_id, Pick.lot)
    )
    return {(loc, sku, lot): int(qty) for loc, sku, lot, qty in rows if qty}


PICK_LIST_STATUSES = ("open", "short")


def list_picks(session: Session, warehouse_id: int, *, status: str, since: datetime | None = None,
               after_id: int = 0, limit: int = 50) -> list[dict]:
    """One warehouse's picks of a status (short ones picked since `since`),
    in id order after `after_id`: limit + 1 rows (one more says there is a
    next page), filtered in the query and read in one statement with the
    bin, the SKU and the order of each."""
    if status not in PICK_LIST_STATUSES:
        raise ValidationFailed(status=f"must be one of {', '.join(PICK_LIST_STATUSES)}")
    stmt = (select(Pick.id, Pick.pick_list_id, Pick.seq, Pick.qty, Pick.picked_qty, Pick.status, Pick.picked_at,
                   Pick.lot, Location.code.label("location"), Sku.id.label("sku_id"), Sku.code.label("sku"),
                   Sku.name.label("sku_name"), Order.id.label("order_id"), Order.reference.label("order"))
            .join(PickList, PickList.id == Pick.pick_list_id)
            .join(Location, Location.id == Pick.location_id)
            .join(Sku, Sku.id == Pick.sku_id)
            .join(Order, Order.id == Pick.order_id)
            .where(PickList.warehouse_id == warehouse_id, Pick.status == status, Pick.id > after_id))
    if since is not None:
        stmt = stmt.where(Pick.picked_at >= since)
    return [dict(row._mapping) for row in session.execute(stmt.order_by(Pick.id).limit(limit + 1))]
