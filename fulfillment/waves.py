"""Wave planning: choose allocated orders (by ship-by time and carrier),
turn their reservations into location-level picks, batch them into pick
lists under cart capacity with minimal walking, and route each list."""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fulfillment.batching import OrderSpec, plan_batches
from fulfillment.bins import Stock, choose_bins
from fulfillment.models import Order, OrderLine, Pick, PickList, Wave
from fulfillment.orders import record_status
from fulfillment.routing import largest_gap_route, optimal_route, s_shape_route
from wms.auth.principal import Principal
from wms.catalog.models import Lot, Sku
from wms.db import transaction
from wms.errors import InvalidState, NotFound
from wms.facility.models import Layout, Location
from wms.facility.rules import Geometry, travel_distance_mm
from wms.facility.services import get_warehouse, layout_params, station
from wms.ledger.models import Balance

DUE_WINDOW_S = 3600.0


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


def plan_wave(
    session: Session, actor: Principal, warehouse_code: str, *, max_orders: int = 200,
    cart_capacity_units: int = 50, cart_capacity_volume_mm3: int | None = None, carrier: str | None = None,
    ship_by_before: datetime | None = None, time_limit_s: float = 5.0, seed: int = 0,
) -> Wave:
    actor.require("admin", "operator")
    started = time.perf_counter()
    with transaction(session):
        wh = get_warehouse(session, actor, warehouse_code)
        layout = session.scalar(select(Layout).where(Layout.warehouse_id == wh.id))
        if layout is None:
            raise InvalidState(f"warehouse {wh.code} has no generated layout to route in")
        params = layout_params(layout)
        geometry = Geometry.of(params)
        pack = station(session, wh.id, "pack")
        depot = (pack.x_mm, pack.y_mm)
        stmt = (
            select(Order)
            .where(Order.warehouse_id == wh.id, Order.status == "allocated", Order.wave_id.is_(None))
            .order_by(Order.ship_by.is_(None), Order.ship_by, Order.id)
            .limit(max_orders)
            .with_for_update(skip_locked=True)  # concurrent planners never take the same orders
        )
        if carrier:
            stmt = stmt.where(Order.carrier == carrier)
        if ship_by_before:
            stmt = stmt.where(Order.ship_by <= ship_by_before)
        orders = list(session.scalars(stmt))
        if not orders:
            raise InvalidState("no allocated orders wait for a wave with these filters")
        sku_ids = {ln.sku_id for o in orders for ln in o.lines}
        skus = {s.id: s for s in session.scalars(select(Sku).where(Sku.id.in_(sku_ids)))}
        stock = storage_stock(session, wh.id, sku_ids, depot, geometry)
        points = {
            loc_id: (x or 0, y or 0)
            for loc_id, x, y in session.execute(select(Location.id, Location.x_mm, Location.y_mm).where(
                Location.id.in_({s.location_id for items in stock.values() for s in items})))
        }
        planned: dict[int, list[tuple[OrderLine, int, str, int]]] = {}
        specs: list[OrderSpec] = []
        for order in orders:
            rows = []
            for line in order.lines:
                need = line.allocated_qty - line.picked_qty
                if need <= 0:
                    continue
                chosen = choose_bins(need, stock.get(line.sku_id, []))
                if not chosen:
                    rows = None  # stock moved since allocation: leave the order for a count
                    break
                rows += [(line, s.location_id, s.lot, q) for s, q in chosen]
            if not rows:
                continue
            for line, loc_id, lot, q in rows:  # what this order takes is no longer free
                stock[line.sku_id] = [
                    Stock(s.location_id, s.lot, s.expiry, s.free - q, s.distance_mm)
                    if (s.location_id, s.lot) == (loc_id, lot) else s
                    for s in stock[line.sku_id]
                ]
            planned[order.id] = rows
            sku_of = {ln.id: skus[ln.sku_id] for ln in order.lines}
            specs.append(OrderSpec(
                id=order.id,
                picks=tuple(_point(session, points, loc_id) for _ln, loc_id, _lot, _q in rows),
                units=sum(q for *_x, q in rows),
                volume_mm3=sum(q * sku_of[ln.id].volume_mm3 for ln, _l, _lot, q in rows),
                due=order.ship_by.timestamp() if order.ship_by else None,
            ))
        if not specs:
            raise InvalidState("none of the chosen orders has pickable stock in storage; count their bins")
        fits = [s for s in specs if s.units <= cart_capacity_units
                and (cart_capacity_volume_mm3 is None or s.volume_mm3 <= cart_capacity_volume_mm3)]
        too_big = [s for s in specs if s not in fits]
        # Orders due within the same hour (one carrier cut-off) may share a
        # cart; earlier cut-offs are batched first.
        plan = plan_batches(fits, params=params, depot=depot, capacity_units=cart_capacity_units,
                            capacity_volume_mm3=cart_capacity_volume_mm3, time_limit_s=time_limit_s, seed=seed,
                            due_window=DUE_WINDOW_S) if fits else None
        batches = [list(b) for b in plan.batches] if plan else []
        # An order larger than a cart is picked alone, over as many trips as it needs.
        batches += [[s.id] for s in too_big]
        wave = Wave(warehouse_id=wh.id, method=(plan.method if plan else "single") + "+exact-route", seed=seed)
        session.add(wave)
        session.flush()
        total = baseline = 0
        for batch in batches:
            rows = [(oid, *row) for oid in batch for row in planned[oid]]
            for trip in _trips(rows, cart_capacity_units, cart_capacity_volume_mm3,
                               {sku_id: sku.volume_mm3 for sku_id, sku in skus.items()}):
                pick_list = _route_list(session, wave, wh.id, params, depot, points, trip, time_limit_s, seed)
                total += pick_list.distance_mm
                baseline += pick_list.s_shape_mm
        wave.distance_mm = total
        wave.baseline_distance_mm = baseline
        wave.single_order_distance_mm = (plan.single_order_distance_mm if plan else 0) + sum(
            _single(params, depot, s) for s in too_big)
        wave.fcfs_distance_mm = (plan.fcfs_distance_mm if plan else 0) + sum(_single(params, depot, s) for s in too_big)
        for order in orders:
            if order.id in planned:
                order.wave_id = wave.id
                record_status(session, order, "picking", actor, f"wave {wave.id}")
        wave.planning_ms = int((time.perf_counter() - started) * 1000)
        session.flush()
        return wave


def _point(session: Session, points: dict, loc_id: int) -> tuple[int, int]:
    if loc_id not in points:
        loc = session.get(Location, loc_id)
        points[loc_id] = (loc.x_mm or 0, loc.y_mm or 0)
    return points[loc_id]


def _single(params, depot, spec) -> int:
    return optimal_route(params, depot, list(spec.picks)).distance_mm


def _trips(rows: list[tuple], capacity: int, capacity_volume_mm3: int | None = None,
           unit_volume: dict[int, int] | None = None) -> list[list[tuple]]:
    """Split a batch's picks into cart loads, in units and in volume (only an
    over-sized order needs more than one)."""
    trips, current, units, volume = [], [], 0, 0
    for row in rows:
        order_id, line, loc_id, lot, qty = row
        each = (unit_volume or {}).get(line.sku_id, 0) if capacity_volume_mm3 is not None else 0
        while qty > 0:
            take = min(qty, capacity - units)
            if each:
                take = min(take, (capacity_volume_mm3 - volume) // each)
            if take <= 0:
                if not current:  # a single unit bulkier than the cart goes alone
                    take = 1
                else:
                    trips.append(current)
                    current, units, volume = [], 0, 0
                    continue
            current.append((order_id, line, loc_id, lot, take))
            units += take
            volume += take * each
            qty -= take
    if current:
        trips.append(current)
    return trips


def _route_list(session, wave, warehouse_id, params, depot, points, rows, time_limit_s, seed) -> PickList:
    coords = [_point(session, points, loc_id) for _o, _ln, loc_id, _lot, _q in rows]
    route = optimal_route(params, depot, coords, time_limit_s=min(time_limit_s, 2.0), seed=seed)
    pick_list = PickList(
        wave_id=wave.id, warehouse_id=warehouse_id, distance_mm=route.distance_mm, route_method=route.method,
        s_shape_mm=_baseline(s_shape_route, params, depot, coords, route),
        largest_gap_mm=_baseline(largest_gap_route, params, depot, coords, route),
    )
    session.add(pick_list)
    session.flush()
    for seq, index in enumerate(route.order, start=1):
        order_id, line, loc_id, lot, qty = rows[index]
        session.add(Pick(pick_list_id=pick_list.id, seq=seq, order_id=order_id, order_line_id=line.id,
                         location_id=loc_id, sku_id=line.sku_id, lot=lot, qty=qty))
    session.flush()
    return pick_list


def _baseline(policy, params, depot, coords, optimal) -> int:
    """A heuristic's walk for the report; a pick point off the aisle network
    (a hand-made location) has none, and the optimal route stands in."""
    try:
        return policy(params, depot, coords).distance_mm
    except ValueError:
        return optimal.distance_mm


def get_wave(session: Session, actor: Principal, wave_id: int) -> Wave:
    actor.require("admin", "operator")
    wave = session.get(Wave, wave_id)
    if wave is None or not actor.can_see_warehouse(wave.warehouse_id):
        raise NotFound("wave not found")
    return wave


def get_pick_list(session: Session, actor: Principal, pick_list_id: int, *, for_update: bool = False) -> PickList:
    actor.require("admin", "operator")
    stmt = select(PickList).where(PickList.id == pick_list_id)
    if for_update:
        stmt = stmt.with_for_update()
    pick_list = session.scalar(stmt)
    if pick_list is None or not actor.can_see_warehouse(pick_list.warehouse_id):
        raise NotFound("pick list not found")
    return pick_list


def pick_list_view(session: Session, pick_list: PickList) -> dict:
    loc_codes = dict(session.execute(select(Location.id, Location.code).where(
        Location.id.in_({p.location_id for p in pick_list.picks}))).all()) if pick_list.picks else {}
    sku_codes = dict(session.execute(select(Sku.id, Sku.code).where(
        Sku.id.in_({p.sku_id for p in pick_list.picks}))).all()) if pick_list.picks else {}
    return {
        "id": pick_list.id, "wave_id": pick_list.wave_id, "status": pick_list.status,
        "distance_m": pick_list.distance_mm / 1000, "s_shape_distance_m": pick_list.s_shape_mm / 1000,
        "largest_gap_distance_m": pick_list.largest_gap_mm / 1000, "route_method": pick_list.route_method,
        "picks": [
            {"seq": p.seq, "location": loc_codes[p.location_id], "sku": sku_codes[p.sku_id], "sku_id": p.sku_id,
             "lot": p.lot or None, "qty": p.qty, "picked_qty": p.picked_qty, "status": p.status,
             "order_id": p.order_id}
            for p in pick_list.picks
        ],
    }


def wave_view(session: Session, wave: Wave) -> dict:
    order_ids = sorted({p.order_id for pl in wave.pick_lists for p in pl.picks})
    return {
        "id": wave.id, "status": wave.status, "method": wave.method, "seed": wave.seed,
        "orders": order_ids,
        "pick_lists": [pick_list_view(session, pl) for pl in wave.pick_lists],
        "distance_m": wave.distance_mm / 1000,
        "single_order_distance_m": wave.single_order_distance_mm / 1000,
        "fcfs_distance_m": wave.fcfs_distance_mm / 1000,
        "baseline_distance_m": wave.baseline_distance_mm / 1000,
        "planning_ms": wave.planning_ms, "created_at": wave.created_at,
    }
