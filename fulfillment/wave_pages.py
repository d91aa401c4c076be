"""Waves from the operations pages: choose the orders (carrier, ship-by),
the cart's capacity, plan, and see the wave's figures (distance against
first-come-first-served batches and single-order picking) and each pick
list's route drawn on the warehouse's layout."""
from __future__ import annotations

from flask import request
from flask_babel import gettext
from sqlalchemy import func, select

from fulfillment.models import Order, Wave
from fulfillment.queries import PICK_LIST_STATUSES, get_wave, list_picks
from fulfillment.schemas import CreateWaveSchema
from fulfillment.views import wave_view
from fulfillment.waves import plan_wave
from wms.errors import DomainError, InvalidState, NotFound, ValidationFailed
from wms.facility.drawing import tour_waypoints
from wms.facility.models import Layout, Location
from wms.facility.rules import Geometry
from wms.facility.services import layout_params, list_warehouses, station
from wms.messages import M_
from wms.web import sheets
from wms.web.clock import warehouse_day
from wms.web.layout_svg import layout_svg
from wms.web.pages import db, done, principal, render

PLAN_TIME_LIMIT_S = 2.0
RECENT_WAVES = 20
PLAN_SCHEMA = CreateWaveSchema()


def _warehouse(actor, code: str | None):
    warehouses = list_warehouses(db(), actor, limit=200)
    code = code or (warehouses[0].code if warehouses else None)
    wh = next((w for w in warehouses if w.code == code), None)
    if wh is None:
        raise NotFound(M_('warehouse %(code)s not found', code=code))
    return wh, [w.code for w in warehouses]


def waves(*, error: DomainError | None = None, form=None):
    actor = principal()
    actor.require("admin", "operator")
    wh, codes = _warehouse(actor, (form or request.args).get("warehouse"))
    waiting = (Order.warehouse_id == wh.id, Order.status == "allocated", Order.wave_id.is_(None))
    ready = db().scalar(select(func.count()).select_from(Order).where(*waiting))
    carriers = db().execute(select(Order.carrier, func.count()).where(*waiting, Order.carrier.is_not(None))
                            .group_by(Order.carrier).order_by(Order.carrier)).all()
    recent = list(db().scalars(select(Wave).where(Wave.warehouse_id == wh.id).order_by(Wave.id.desc())
                               .limit(RECENT_WAVES)))
    return render("fulfillment/waves.html", error.status if error else 200, error=error, warehouse=wh,
                  warehouses=codes, ready=ready, carriers=carriers, recent=recent, form=form or {})


PICKS_PAGE = 100


def picks():
    """A warehouse's open picks, or its short picks of today (the
    dashboard's tiles), filtered in the query and paged by id."""
    actor = principal()
    actor.require("admin", "operator")
    wh, codes = _warehouse(actor, request.args.get("warehouse"))
    status = request.args.get("status") or "open"
    if status not in PICK_LIST_STATUSES:
        raise ValidationFailed(status=f"must be one of {', '.join(PICK_LIST_STATUSES)}")
    today = request.args.get("since") == "today"
    after = request.args.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        raise ValidationFailed(after=M_('must be a pick id'))
    rows = list_picks(db(), wh.id, status=status, since=warehouse_day(wh.timezone)[0] if today else None,
                      after_id=int(after), limit=PICKS_PAGE)
    more = len(rows) > PICKS_PAGE
    rows = rows[:PICKS_PAGE]
    return render("fulfillment/picks.html", warehouse=wh, warehouses=codes, picks=rows, pick_status=status,
                  today=today, next_after=rows[-1]["id"] if more else None)


def plan(**_):
    actor = principal()
    form = request.form
    body = sheets.cleaned({k: form.get(k, "") for k in ("carrier", "ship_by_before", "cart_capacity_units",
                                                          "max_orders")},
                          dates=("ship_by_before",), integers=("cart_capacity_units", "max_orders"))
    if "ship_by_before" in body:
        body["ship_by_before"] = body["ship_by_before"].replace("T00:00:00", "T23:59:59")  # the whole day
    try:
        data = sheets.load(PLAN_SCHEMA, body)
        data["time_limit_s"] = PLAN_TIME_LIMIT_S
        wave = plan_wave(db(), actor, form.get("warehouse", ""), **data)
    except DomainError as error:
        return waves(error=error, form=form)
    return done("fulfillment_web.wave_page", gettext("Wave %(id)s planned: %(n)s pick list(s).", id=wave.id,
                                                     n=len(wave.pick_lists)),
                wave_id=wave.id)


def wave_page(wave_id: int):
    actor = principal()
    wave = get_wave(db(), actor, wave_id)
    view = wave_view(db(), wave)
    layout = db().scalar(select(Layout).where(Layout.warehouse_id == wave.warehouse_id))
    if layout is None:
        raise InvalidState(M_('this warehouse has no layout to draw'))
    params = layout_params(layout)
    geometry = Geometry.of(params)
    pack = station(db(), wave.warehouse_id, "pack")
    depot = (pack.x_mm, pack.y_mm)
    ids = {p.location_id for pl in wave.pick_lists for p in pl.picks}
    points = {loc_id: (x, y) for loc_id, x, y in db().execute(
        select(Location.id, Location.x_mm, Location.y_mm).where(Location.id.in_(ids)))}
    stations = [(loc.code, loc.x_mm, loc.y_mm) for loc in db().scalars(select(Location).where(
        Location.warehouse_id == wave.warehouse_id, Location.kind.in_(("dock", "pack", "ship", "quarantine"))))]
    maps = {}
    for pl in wave.pick_lists:
        stops = []
        for p in sorted(pl.picks, key=lambda p: p.seq):
            if not stops or stops[-1] != points[p.location_id]:
                stops.append(points[p.location_id])
        route = {"points": tour_waypoints(geometry, depot, stops), "stops": stops, "label": f"pick list {pl.id}"}
        maps[pl.id] = layout_svg(params, {}, stations=stations, routes=[route],
                                 title=gettext("Pick list %(id)s: route from PACK through %(n)s stops and back",
                                               id=pl.id, n=len(stops)))
    return render("fulfillment/wave.html", wave=view, maps=maps)
