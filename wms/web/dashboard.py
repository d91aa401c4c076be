"""The operations dashboard of one warehouse: inbound, putaway and counts
from the core, and whatever the extensions add (their "dashboard" page
section: (session, principal, warehouse, day) -> panels). Every number
links to the list it counts. "Today" is the warehouse's own day."""
from __future__ import annotations

from flask import request, url_for

from wms.db import utcnow
from wms.errors import NotFound
from wms.extensions import page_sections
from wms.facility.services import list_warehouses
from wms.inbound.queries import asn_figures
from wms.inventory.queries import age_hours, count_figures, putaway_backlog
from wms.web.clock import warehouse_day
from wms.web.pages import db, principal, render


def tile(label: str, value, url: str, tone: str = "") -> dict:
    """One number on the dashboard; tone "bad" or "warn" when it needs attention."""
    return {"label": label, "value": value, "url": url, "tone": tone}


def dashboard():
    actor = principal()
    actor.require("admin", "operator")
    warehouses = list_warehouses(db(), actor, limit=200)
    if not warehouses:
        raise NotFound("no warehouse to show")
    code = request.args.get("warehouse") or warehouses[0].code
    wh = next((w for w in warehouses if w.code == code), None)
    if wh is None:
        raise NotFound(f"warehouse {code} not found")
    now = utcnow()
    day = warehouse_day(wh.timezone, now)
    asns = asn_figures(db(), wh.id, *day)
    backlog = putaway_backlog(db(), wh.id)
    counts = count_figures(db(), wh.id)
    oldest = age_hours(backlog["oldest"], now)
    panels = [
        {"title": "Inbound", "tiles": [
            tile("ASNs due today", asns["due_today"], url_for("web.asns", warehouse=wh.code, due="today")),
            tile("ASNs late", asns["late"], url_for("web.asns", warehouse=wh.code, due="late"),
                 "bad" if asns["late"] else ""),
            tile("Being received", asns["receiving"], url_for("web.asns", warehouse=wh.code, status="receiving")),
        ]},
        {"title": "Putaway", "tiles": [
            tile("Tasks open", backlog["tasks"], url_for("web.putaway_list")),
            tile("Units to put away", backlog["units"], url_for("web.putaway_list")),
            tile("Oldest task (hours)", f"{oldest:.1f}" if oldest is not None else "–", url_for("web.putaway_list"),
                 "warn" if oldest is not None and oldest > 4 else ""),
        ]},
        {"title": "Counts", "tiles": [
            tile("Awaiting approval", counts["awaiting_approval"], url_for("web.counts", warehouse=wh.code),
                 "warn" if counts["awaiting_approval"] else ""),
            tile("Open counts", counts["open"], url_for("web.counts", warehouse=wh.code, status="open")),
        ]},
    ]
    for provider in page_sections("dashboard"):
        panels += provider(db(), actor, wh, day)
    return render("dashboard.html", warehouses=[w.code for w in warehouses], warehouse=wh, panels=panels,
                  now=now)
