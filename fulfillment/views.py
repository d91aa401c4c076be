"""How the API and the screens show fulfillment's objects. Each function
builds a whole page at once: the codes its rows refer to are read in one
query per kind, whatever the number of rows."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from fulfillment.models import Order, OrderEvent, PickList, PickListTote, Wave
from wms.catalog.models import Seller, Sku
from wms.db import codes_of
from wms.facility.models import Location, Warehouse


def order_views(session: Session, orders: list[Order], *, with_history: bool = False) -> list[dict]:
    skus = codes_of(session, Sku, {ln.sku_id for o in orders for ln in o.lines})
    warehouses = codes_of(session, Warehouse, {o.warehouse_id for o in orders})
    sellers = codes_of(session, Seller, {o.seller_id for o in orders})
    history: dict[int, list[dict]] = defaultdict(list)
    if with_history and orders:
        events = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id.in_({o.id for o in orders})).order_by(OrderEvent.id)
        )
        for e in events:
            history[e.order_id].append(
                {"from_status": e.from_status, "to_status": e.to_status, "actor": e.actor, "note": e.note,
                 "at": e.created_at}
            )
    views = []
    for order in orders:
        view = {
            "id": order.id,
            "reference": order.reference,
            "status": order.status,
            "warehouse": warehouses.get(order.warehouse_id),
            "seller": sellers[order.seller_id],
            "channel": order.channel_id,
            "ship_to": {
                "name": order.ship_to_name,
                "line1": order.ship_to_line1,
                "city": order.ship_to_city,
                "postal_code": order.ship_to_postal_code,
                "country": order.ship_to_country,
            },
            "carrier": order.carrier,
            "service_level": order.service_level,
            "ship_by": order.ship_by,
            "tracking_number": order.tracking_number,
            "wave_id": order.wave_id,
            "created_at": order.created_at,
            "shipped_at": order.shipped_at,
            "lines": [
                {"sku": skus[ln.sku_id], "sku_id": ln.sku_id, "qty": ln.qty, "allocated_qty": ln.allocated_qty,
                 "picked_qty": ln.picked_qty}
                for ln in order.lines
            ],
        }
        if with_history:
            view["history"] = history[order.id]
        views.append(view)
    return views


def order_view(session: Session, order: Order, *, with_history: bool = False) -> dict:
    return order_views(session, [order], with_history=with_history)[0]


def pick_list_views(session: Session, pick_lists: list[PickList]) -> list[dict]:
    picks = [p for pl in pick_lists for p in pl.picks]
    locations = codes_of(session, Location, {p.location_id for p in picks})
    skus = codes_of(session, Sku, {p.sku_id for p in picks})
    # Each order's reference and its tote on each list, in one query.
    references: dict[int, str] = {}
    totes: dict[tuple[int, int], str] = {}
    order_ids = {p.order_id for p in picks}
    if order_ids:
        for order_id, reference, list_id, tote in session.execute(
                select(Order.id, Order.reference, PickListTote.pick_list_id, PickListTote.tote)
                .outerjoin(PickListTote, and_(PickListTote.order_id == Order.id,
                                              PickListTote.pick_list_id.in_([pl.id for pl in pick_lists])))
                .where(Order.id.in_(order_ids))):
            references[order_id] = reference
            if tote is not None:
                totes[(list_id, order_id)] = tote
    return [
        {
            "id": pl.id, "wave_id": pl.wave_id, "status": pl.status,
            # Sort while picking: each order of the list, in route order, and its tote.
            "totes": [{"order_id": o, "order_reference": references[o], "tote": totes.get((pl.id, o))}
                      for o in dict.fromkeys(p.order_id for p in pl.picks)],
            "distance_m": pl.distance_mm / 1000, "s_shape_distance_m": pl.s_shape_mm / 1000,
            "largest_gap_distance_m": pl.largest_gap_mm / 1000, "route_method": pl.route_method,
            "picks": [
                {"seq": p.seq, "location": locations[p.location_id], "sku": skus[p.sku_id], "sku_id": p.sku_id,
                 "lot": p.lot or None, "qty": p.qty, "picked_qty": p.picked_qty, "status": p.status,
                 "short_reason": p.short_reason, "order_id": p.order_id,
                 "order_reference": references[p.order_id],
                 # Where its units go (open) or went (done): the order's tote.
                 "tote": p.tote if p.status != "open" else totes.get((pl.id, p.order_id))}
                for p in pl.picks
            ],
        }
        for pl in pick_lists
    ]


def pick_list_view(session: Session, pick_list: PickList) -> dict:
    return pick_list_views(session, [pick_list])[0]


def wave_view(session: Session, wave: Wave) -> dict:
    order_ids = sorted({p.order_id for pl in wave.pick_lists for p in pl.picks})
    return {
        "id": wave.id, "status": wave.status, "method": wave.method, "seed": wave.seed,
        "orders": order_ids,
        "pick_lists": pick_list_views(session, wave.pick_lists),
        "distance_m": wave.distance_mm / 1000,
        "single_order_distance_m": wave.single_order_distance_mm / 1000,
        "fcfs_distance_m": wave.fcfs_distance_mm / 1000,
        "baseline_distance_m": wave.baseline_distance_mm / 1000,
        "planning_ms": wave.planning_ms, "created_at": wave.created_at,
    }
