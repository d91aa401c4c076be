"""The seller portal's stock pages: one row per SKU with its buckets summed
across warehouses (expandable per warehouse), searched, filtered, sorted and
paged; the same selection as CSV; a SKU's page with its stock per warehouse
and location class, its movements and a chart of its stock over time. The
reads scope every row by the logged-in user, so a seller sees only its own
and an operator its warehouses."""
from __future__ import annotations

import csv
import io

from flask import Response, request, url_for
from flask_babel import gettext

from wms.catalog.services import get_sku
from wms.errors import ValidationFailed
from wms.facility.services import list_warehouses
from wms.inventory.services import list_movements
from wms.inventory.stock_search import (
    BUCKETS,
    FILTERS,
    LOW_STOCK_DEFAULT,
    StockQuery,
    export_stock,
    on_hand_history,
    search_stock,
    stock_by_location_kind,
    stock_by_warehouse,
)
from wms.web import charts
from wms.web.pages import db, principal, render

PER_PAGE = 50
MOVEMENTS_PAGE = 25
HISTORY_DAYS = 90


def stock_query(args) -> StockQuery:
    """The page's query from its URL: unknown values are a field error."""
    low = args.get("low_below", "").strip()
    if low and not low.isdigit():
        raise ValidationFailed(low_below=gettext("must be a whole number"))
    return StockQuery(
        q=args.get("q", "").strip(), warehouse=args.get("warehouse") or None, filter=args.get("filter") or None,
        low_below=int(low) if low else LOW_STOCK_DEFAULT, sort=args.get("sort") or "sku",
        descending=args.get("dir") == "desc",
    )


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and int(page) > 0 else 1


def stock():
    actor = principal()
    query = stock_query(request.args)
    page = _page_number()
    rows, total = search_stock(db(), actor, query, page=page, per_page=PER_PAGE)
    per_warehouse = stock_by_warehouse(db(), actor, [r["sku_id"] for r in rows], query.warehouse)
    warehouses = [w.code for w in list_warehouses(db(), actor, limit=200)]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pages = max(1, -(-total // PER_PAGE))
    return render(
        "stock.html", buckets=BUCKETS, rows=rows, per_warehouse=per_warehouse, total=total, page=page, pages=pages,
        query=query, args=args, filters=FILTERS, warehouses=warehouses,
        sort_url=lambda column: url_for("web.stock", **{**args, "sort": column, "dir": "desc" if (
            query.sort == column and not query.descending) else "asc"}),
        page_url=lambda n: url_for("web.stock", **args, page=n),
        export_url=url_for("web.stock_export", **args),
    )


def stock_export():
    """Exactly the stock page's selection (every page of it) as CSV."""
    actor = principal()
    query = stock_query(request.args)
    rows = export_stock(db(), actor, query)
    per_warehouse = query.warehouse or "all"
    out = io.StringIO()
    writer = csv.writer(out)
    with_seller = actor.role not in ("seller", "channel")
    writer.writerow((["seller"] if with_seller else []) + ["sku", "name", "warehouse"] + list(BUCKETS))
    for r in rows:
        writer.writerow(([r["seller"]] if with_seller else []) + [r["sku"], r["name"], per_warehouse]
                        + [r[b] for b in BUCKETS])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="stock.csv"'})


def sku_page(sku_id: int):
    actor = principal()
    sku = get_sku(db(), actor, sku_id)
    levels = stock_by_warehouse(db(), actor, [sku.id]).get(sku.id, [])
    by_kind = stock_by_location_kind(db(), actor, sku.id)
    after = request.args.get("after", 0, type=int)
    movements = list_movements(db(), actor, sku=sku.id, after_id=after, limit=MOVEMENTS_PAGE)
    more = len(movements) > MOVEMENTS_PAGE
    movements = movements[:MOVEMENTS_PAGE]
    for m in movements:
        m["qty"] = sum(p["qty"] for p in m["postings"] if p["sku_id"] == sku.id and p["qty"] > 0)
        m["where"] = sorted({p["location"] for p in m["postings"] if p["sku_id"] == sku.id})
    history = on_hand_history(db(), actor, sku.id, days=HISTORY_DAYS)
    return render(
        "sku.html", sku=sku, levels=levels, by_kind=by_kind, buckets=BUCKETS, movements=movements,
        next_after=movements[-1]["id"] if more else None, after=after,
        chart=charts.line_chart(history, title=gettext("%(sku)s: units on hand, last %(days)s days", sku=sku.code,
                                                       days=HISTORY_DAYS)),
    )
