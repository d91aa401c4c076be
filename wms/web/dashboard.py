"""The operations dashboard of one warehouse: inbound, putaway and counts
from the core, and whatever the extensions add (their "dashboard" page
section: (session, principal, warehouse, day) -> panels). Every number
links to the list it counts. "Today" is the warehouse's own day."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import format_decimal, gettext

from wms.db import utcnow
from wms.errors import NotFound
from wms.extensions import page_sections
from wms.facility.services import list_warehouses
from wms.inbound.queries import asn_figures
from wms.inventory.queries import age_hours, count_figures, putaway_backlog
from wms.messages import M_
from wms.web.clock import warehouse_day
from wms.web.pages import db, principal, render


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a message for the catalogue; translated where it is shown."""
    return message


def tile(label: str, value, url: str, tone: str = "") -> dict:
    """One number on the dashboard (its label marked with N_); tone "bad" or
    "warn" when it needs attention. The key is the label in English."""
    return {"key": label, "label": gettext(label), "value": value, "url": url, "tone": tone}


def panel(title: str, tiles: list[dict]) -> dict:
    return {"key": title, "title": gettext(title), "tiles": tiles}


def dashboard():
    actor = principal()
    actor.require("admin", "operator")
    warehouses = list_warehouses(db(), actor, limit=200)
    if not warehouses:
        raise NotFound(M_('no warehouse to show'))
    code = request.args.get("warehouse") or warehouses[0].code
    wh = next((w for w in warehouses if w.code == code), None)
    if wh is None:
        raise NotFound(M_('warehouse %(code)s not found', code=code))
    now = utcnow()
    day = warehouse_day(wh.timezone, now)
    asns = asn_figures(db(), wh.id, *day)
    backlog = putaway_backlog(db(), wh.id)
    counts = count_figures(db(), wh.id)
    oldest = age_hours(backlog["oldest"], now)
    panels = [
        panel(N_("Inbound"), [
            tile(N_("ASNs due today"), asns["due_today"], url_for("web.asns", warehouse=wh.code, due="today")),
            tile(N_("ASNs late"), asns["late"], url_for("web.asns", warehouse=wh.code, due="late"),
                 "bad" if asns["late"] else ""),
            tile(N_("Being received"), asns["receiving"],
                 url_for("web.asns", warehouse=wh.code, status="receiving")),
        ]),
        panel(N_("Putaway"), [
            tile(N_("Tasks open"), backlog["tasks"], url_for("web.putaway_list")),
            tile(N_("Units to put away"), backlog["units"], url_for("web.putaway_list")),
            tile(N_("Oldest task (hours)"), format_decimal(oldest, "0.0") if oldest is not None else "–",
                 url_for("web.putaway_list"), "warn" if oldest is not None and oldest > 4 else ""),
        ]),
        panel(N_("Counts"), [
            tile(N_("Awaiting approval"), counts["awaiting_approval"], url_for("web.counts", warehouse=wh.code),
                 "warn" if counts["awaiting_approval"] else ""),
            tile(N_("Open counts"), counts["open"], url_for("web.counts", warehouse=wh.code, status="open")),
        ]),
    ]
    for provider in page_sections("dashboard"):
        panels += provider(db(), actor, wh, day)
    return render("dashboard.html", warehouses=[w.code for w in warehouses], warehouse=wh, panels=panels,
                  now=now)
