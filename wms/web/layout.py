"""The layout map: a warehouse drawn from its layout, each bay coloured by
a chosen measure (fill, picks per day, velocity class, or what an
extension adds through its "layout_measures" page section), and a bay's
contents, level by level, when it is clicked."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import request, url_for
from flask_babel import format_decimal, format_percent, gettext, lazy_gettext
from sqlalchemy import select

from wms.db import utcnow
from wms.errors import InvalidState, NotFound, ValidationFailed
from wms.extensions import page_sections
from wms.facility.models import Layout, Location
from wms.facility.services import layout_params, list_warehouses
from wms.inventory.queries import location_fill, picks_per_location
from wms.inventory.services import list_location_balances
from wms.messages import M_
from wms.web.layout_svg import layout_svg, scale_colour
from wms.web.pages import db, principal, render

PICK_DAYS = 30
MEASURES = {"fill": lazy_gettext("Fill (share of the bay's volume)"),
            "picks": lazy_gettext("Picks per day (last %(days)s days)", days=PICK_DAYS),
            "velocity": lazy_gettext("Velocity class (A: top %(a)s of picks, B: next %(b)s, C: the rest)",
                                     a="20%", b="30%")}
CLASS_COLOURS = {"A": "#c2410c", "B": "#f59e0b", "C": "#86efac"}


def bay_key(location: Location) -> str | None:
    if location.block is None or location.aisle is None or location.bay is None:
        return None
    return f"{chr(ord('A') + location.block - 1)}{location.aisle:02}-{location.bay:02}"


def velocity_classes(picks: dict[str, float]) -> dict[str, str]:
    """ABC by share of picks: the bays taking the first 20% of picks are A,
    the next 30% B, the rest (and bays never picked) C."""
    total = sum(picks.values())
    classes, running = {}, 0.0
    for key, n in sorted(picks.items(), key=lambda kv: -kv[1]):
        share = running / total if total else 1
        classes[key] = "A" if share < 0.2 and n > 0 else "B" if share < 0.5 and n > 0 else "C"
        running += n
    return classes


def layout_map():
    actor = principal()
    actor.require("admin", "operator")
    warehouses = list_warehouses(db(), actor, limit=200)
    code = request.args.get("warehouse") or (warehouses[0].code if warehouses else None)
    wh = next((w for w in warehouses if w.code == code), None)
    if wh is None:
        raise NotFound(M_('warehouse %(code)s not found', code=code))
    extra = {name: provider for section in page_sections("layout_measures") for name, provider in section().items()}
    measure = request.args.get("measure") or "fill"
    measures = {**MEASURES, **{name: label for name, (label, _fn) in extra.items()}}
    if measure not in measures:
        raise ValidationFailed(measure=M_('must be one of %(value)s', value=', '.join(measures)))
    layout = db().scalar(select(Layout).where(Layout.warehouse_id == wh.id))
    if layout is None:
        raise InvalidState(M_('warehouse %(code)s has no generated layout to draw', code=wh.code))
    params = layout_params(layout)
    locations = list(db().scalars(select(Location).where(Location.warehouse_id == wh.id,
                                                         Location.is_virtual.is_(False))))
    bays: dict[str, list[Location]] = defaultdict(list)
    for loc in locations:
        key = bay_key(loc)
        if key:
            bays[key].append(loc)
    selected = request.args.get("bay")
    link = lambda key: url_for("web.layout_map", warehouse=wh.code, measure=measure, bay=key) + "#bay"  # noqa: E731
    cells = {}
    if measure in extra:
        values = extra[measure][1](db(), wh.id)  # bay key -> (colour, text)
        cells = {key: {"colour": colour, "title": f"{key}: {text}", "href": link(key)}
                 for key, (colour, text) in values.items()}
    elif measure == "fill":
        fill = location_fill(db(), wh.id)
        for key, locs in bays.items():
            used = sum(fill.get(loc.id, (0, 0))[1] for loc in locs)
            units = sum(fill.get(loc.id, (0, 0))[0] for loc in locs)
            room = sum(loc.max_volume_mm3 or 0 for loc in locs)
            share = used / room if room else 0
            cells[key] = {"colour": scale_colour(share) if units else None, "href": link(key),
                          "title": gettext("%(bay)s: %(units)s units, %(share)s full", bay=key, units=units,
                                           share=format_percent(share))}
    else:
        picks = picks_per_location(db(), wh.id, utcnow() - timedelta(days=PICK_DAYS))
        per_bay = {key: sum(picks.get(loc.id, 0) for loc in locs) / PICK_DAYS for key, locs in bays.items()}
        top = max(per_bay.values(), default=0) or 1
        classes = velocity_classes(per_bay)
        for key, rate in per_bay.items():
            colour = (scale_colour(rate / top, "orange") if rate else None) if measure == "picks" \
                else CLASS_COLOURS[classes[key]]
            cells[key] = {"colour": colour, "href": link(key),
                          "title": gettext("%(bay)s: %(rate)s picks/day, class %(cls)s", bay=key,
                                           rate=format_decimal(rate, "0.00"), cls=classes[key])}
    cells = {k: {**v, "colour": v["colour"] or "#eef0f3"} for k, v in cells.items()}
    stations = [(loc.code, loc.x_mm, loc.y_mm) for loc in locations
                if loc.kind != "storage" and loc.x_mm is not None and loc.y_mm is not None]
    contents = []
    if selected in bays:
        for loc in sorted(bays[selected], key=lambda loc: loc.level or 0):
            contents.append({"code": loc.code, "rows": list_location_balances(
                db(), actor, warehouse=wh.code, location=loc.code, limit=200)[:200]})
    return render("layout.html", warehouse=wh, warehouses=[w.code for w in warehouses], measure=measure,
                  measures=measures, selected=selected if selected in bays else None, contents=contents,
                  svg=layout_svg(params, cells, stations=stations, selected=selected,
                                 title=f"{wh.code}: {measures[measure]}"))
