"""The layout map's "slotting" measure: the bays the latest slotting plan of
a warehouse moves stock out of, into, or both (a page section read by the
core's layout map; see wms.web.layout)."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from slotting.models import SlottingMove, SlottingPlan
from wms.facility.models import Location
from wms.web.layout import bay_key

OUT, IN, BOTH = "#c2410c", "#15803d", "#7e22ce"


def plan_moves(session: Session, warehouse_id: int) -> dict[str, tuple[str, str]]:
    """{bay: (colour, text)} for the latest solved (or applied) plan's moves."""
    plan = session.scalar(select(SlottingPlan).where(SlottingPlan.warehouse_id == warehouse_id,
                                                     SlottingPlan.status.in_(("done", "applied")))
                          .order_by(SlottingPlan.id.desc()).limit(1))
    if plan is None:
        return {}
    moves = list(session.scalars(select(SlottingMove).where(SlottingMove.plan_id == plan.id)))
    ids = {m.from_location_id for m in moves} | {m.to_location_id for m in moves}
    bays = {loc.id: bay_key(loc) for loc in session.scalars(select(Location).where(Location.id.in_(ids)))} \
        if ids else {}
    out = Counter(bays.get(m.from_location_id) for m in moves)
    into = Counter(bays.get(m.to_location_id) for m in moves)
    found = {}
    for key in (set(out) | set(into)) - {None}:
        colour = BOTH if out[key] and into[key] else OUT if out[key] else IN
        found[key] = (colour, gettext("%(out)s moves out, %(in)s in (plan %(plan)s)", out=out[key], plan=plan.id,
                                      **{"in": into[key]}))
    return found


def layout_measures() -> dict:
    return {"slotting": (lazy_gettext("Moves of the latest slotting plan (red: out, green: in, purple: both)"),
                         plan_moves)}
