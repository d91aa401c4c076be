"""Wave planning: choose allocated orders (by ship-by time and carrier),
turn their reservations into location-level picks, batch them into pick
lists under cart capacity with minimal walking, and route each list."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fulfillment.batching import OrderSpec, plan_batches
from fulfillment.bins import Stock, choose_bins
from fulfillment.models import Order, OrderLine, Pick, PickList, Wave
from fulfillment.queries import storage_stock
from fulfillment.routing import largest_gap_route, optimal_route, s_shape_route
from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.db import transaction
from wms.errors import InvalidState
from wms.facility.models import Layout, Location
from wms.facility.rules import Geometry, LayoutParams
from wms.facility.services import get_warehouse, layout_params, station
from wms.messages import M_

DUE_WINDOW_S = 3600.0


@dataclass(frozen=True)
class Site:
    """Where a wave is walked: the warehouse's layout, and the pack station
    where every trip starts and ends."""

    warehouse_id: int
    params: LayoutParams
    geometry: Geometry
    depot: tuple[int, int]


@dataclass(frozen=True)
class Cart:
    units: int
    volume_mm3: int | None = None

    def takes(self, spec: OrderSpec) -> bool:
        return spec.units <= self.units and (self.volume_mm3 is None or spec.volume_mm3 <= self.volume_mm3)


# (order line, location id, lot, qty): one pick an order needs.
PlannedPick = tuple[OrderLine, int, str, int]


def plan_wave(
    session: Session, actor: Principal, warehouse_code: str, *, max_orders: int = 200,
    cart_capacity_units: int = 50, cart_capacity_volume_mm3: int | None = None, carrier: str | None = None,
    ship_by_before: datetime | None = None, time_limit_s: float = 5.0, seed: int = 0,
) -> Wave:
    """Take the allocated orders due first, choose the bins of their lines,
    batch them into cart loads with the least walking, route each load, and
    release the orders to the pickers."""
    actor.require("admin", "operator")
    started = time.perf_counter()
    cart = Cart(cart_capacity_units, cart_capacity_volume_mm3)
    with transaction(session):
        site = _site(session, get_warehouse(session, actor, warehouse_code))
        orders = _take_orders(session, site, max_orders=max_orders, carrier=carrier, ship_by_before=ship_by_before)
        skus = {s.id: s for s in session.scalars(select(Sku).where(Sku.id.in_({ln.sku_id for o in orders
                                                                                for ln in o.lines})))}
        stock = storage_stock(session, site.warehouse_id, set(skus), site.depot, site.geometry)
        points = _pick_points(session, stock)
        planned = _choose_bins(orders, stock)
        if not planned:
            raise InvalidState(M_('none of the chosen orders has pickable stock in storage; count their bins'))
        specs = [_order_spec(session, points, skus, o, planned[o.id]) for o in orders if o.id in planned]
        fits, too_big = [s for s in specs if cart.takes(s)], [s for s in specs if not cart.takes(s)]
        plan = _batch(site, fits, cart, time_limit_s=time_limit_s, seed=seed)
        wave = Wave(warehouse_id=site.warehouse_id, method=(plan.method if plan else "single") + "+exact-route",
                    seed=seed)
        session.add(wave)
        session.flush()
        # An order larger than a cart is picked alone, over as many trips as it needs.
        batches = [list(b) for b in plan.batches] if plan else []
        batches += [[s.id] for s in too_big]
        _write_pick_lists(session, wave, site, points, planned, batches, cart,
                          {sku_id: sku.volume_mm3 for sku_id, sku in skus.items()}, time_limit_s, seed)
        _report_baselines(wave, site, plan, too_big)
        _release(orders, planned, wave, actor)
        wave.planning_ms = int((time.perf_counter() - started) * 1000)
        session.flush()
        return wave


def _site(session: Session, warehouse) -> Site:
    layout = session.scalar(select(Layout).where(Layout.warehouse_id == warehouse.id))
    if layout is None:
        raise InvalidState(M_('warehouse %(code)s has no generated layout to route in', code=warehouse.code))
    params = layout_params(layout)
    pack = station(session, warehouse.id, "pack")
    return Site(warehouse.id, params, Geometry.of(params), (pack.x_mm, pack.y_mm))


def _take_orders(session: Session, site: Site, *, max_orders: int, carrier: str | None,
                 ship_by_before: datetime | None) -> list[Order]:
    """Allocated orders not yet in a wave, due first, locked for this wave
    (concurrent planners skip each other's orders)."""
    stmt = (
        select(Order)
        .where(Order.warehouse_id == site.warehouse_id, Order.status == "allocated", Order.wave_id.is_(None))
        .order_by(Order.ship_by.is_(None), Order.ship_by, Order.id)
        .limit(max_orders)
        .with_for_update(skip_locked=True)
    )
    if carrier:
        stmt = stmt.where(Order.carrier == carrier)
    if ship_by_before:
        stmt = stmt.where(Order.ship_by <= ship_by_before)
    orders = list(session.scalars(stmt))
    if not orders:
        raise InvalidState(M_('no allocated orders wait for a wave with these filters'))
    return orders


def _pick_points(session: Session, stock: dict[int, list[Stock]]) -> dict[int, tuple[int, int]]:
    ids = {s.location_id for items in stock.values() for s in items}
    rows = session.execute(select(Location.id, Location.x_mm, Location.y_mm).where(Location.id.in_(ids)))
    return {loc_id: (x or 0, y or 0) for loc_id, x, y in rows}


def _choose_bins(orders: list[Order], stock: dict[int, list[Stock]]) -> dict[int, list[PlannedPick]]:
    """The bins each order's open lines are picked from, order by order
    (what one order takes is no longer free for the next). An order whose
    stock moved since allocation is left out, for a count."""
    planned: dict[int, list[PlannedPick]] = {}
    for order in orders:
        rows: list[PlannedPick] | None = []
        for line in order.lines:
            need = line.allocated_qty - line.picked_qty
            if need <= 0:
                continue
            chosen = choose_bins(need, stock.get(line.sku_id, []))
            if not chosen:
                rows = None
                break
            rows += [(line, s.location_id, s.lot, q) for s, q in chosen]
        if not rows:
            continue
        for line, loc_id, lot, q in rows:
            stock[line.sku_id] = [
                Stock(s.location_id, s.lot, s.expiry, s.free - q, s.distance_mm)
                if (s.location_id, s.lot) == (loc_id, lot) else s
                for s in stock[line.sku_id]
            ]
        planned[order.id] = rows
    return planned


def _order_spec(session: Session, points: dict, skus: dict, order: Order, rows: list[PlannedPick]) -> OrderSpec:
    """An order as the batching solver sees it: pick points, units, volume, due time."""
    return OrderSpec(
        id=order.id,
        picks=tuple(_point(session, points, loc_id) for _ln, loc_id, _lot, _q in rows),
        units=sum(q for *_x, q in rows),
        volume_mm3=sum(q * skus[ln.sku_id].volume_mm3 for ln, _l, _lot, q in rows),
        due=order.ship_by.timestamp() if order.ship_by else None,
    )


def _batch(site: Site, specs: list[OrderSpec], cart: Cart, *, time_limit_s: float, seed: int):
    """Orders due within the same hour (one carrier cut-off) may share a
    cart; earlier cut-offs are batched first. None when nothing fits a cart."""
    if not specs:
        return None
    return plan_batches(specs, params=site.params, depot=site.depot, capacity_units=cart.units,
                        capacity_volume_mm3=cart.volume_mm3, time_limit_s=time_limit_s, seed=seed,
                        due_window=DUE_WINDOW_S)


def _write_pick_lists(session: Session, wave: Wave, site: Site, points: dict, planned: dict[int, list[PlannedPick]],
                      batches: list[list[int]], cart: Cart, unit_volume: dict[int, int], time_limit_s: float,
                      seed: int) -> None:
    """One routed pick list per cart load of each batch; the wave's walk."""
    total = baseline = 0
    for batch in batches:
        rows = [(oid, *row) for oid in batch for row in planned[oid]]
        for trip in _trips(rows, cart.units, cart.volume_mm3, unit_volume):
            pick_list = _route_list(session, wave, site.warehouse_id, site.params, site.depot, points, trip,
                                    time_limit_s, seed)
            total += pick_list.distance_mm
            baseline += pick_list.s_shape_mm
    wave.distance_mm = total
    wave.baseline_distance_mm = baseline


def _report_baselines(wave: Wave, site: Site, plan, too_big: list[OrderSpec]) -> None:
    """What single-order picking and FCFS batches would have walked."""
    alone = sum(_single(site.params, site.depot, s) for s in too_big)
    wave.single_order_distance_mm = (plan.single_order_distance_mm if plan else 0) + alone
    wave.fcfs_distance_mm = (plan.fcfs_distance_mm if plan else 0) + alone


def _release(orders: list[Order], planned: dict, wave: Wave, actor: Principal) -> None:
    for order in orders:
        if order.id in planned:
            order.wave_id = wave.id
            order.move_to("picking", actor, f"wave {wave.id}")


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
