"""Orders in the seller portal: the list with filters, an order's page
(lines and their allocation, status history, picks, cartons and tracking),
and creating orders in a form or by CSV upload checked row by row."""
from __future__ import annotations

from flask import Response, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from fulfillment.models import ORDER_STATUSES
from fulfillment.orders import create_order
from fulfillment.queries import get_order, order_cartons, order_figures, order_picks, search_orders
from fulfillment.schemas import CreateOrderSchema
from fulfillment.views import order_view, order_views
from wms.catalog.services import list_sellers, list_skus
from wms.errors import DomainError
from wms.facility.models import Warehouse
from wms.facility.services import list_warehouses
from wms.web import sheets
from wms.web.clock import warehouse_day
from wms.web.dashboard import N_, panel, tile
from wms.web.pages import db, done, principal, render

PER_PAGE = 50
FORM_LINES = 6
SHIP_TO = ("name", "line1", "city", "postal_code", "country")
HEADER_COLUMNS = ("seller", "warehouse", "carrier", "service_level", "ship_by") + SHIP_TO
LINE_COLUMNS = ("sku", "qty")
CSV_COLUMNS = ("reference",) + HEADER_COLUMNS + LINE_COLUMNS
CSV_REQUIRED = ("reference", "name", "line1", "city", "postal_code", "country", "sku", "qty")
CREATORS = ("admin", "seller")
# Where a parcel can be followed, by carrier (shown as a link; nothing is fetched).
TRACKING_URLS = {
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
}


def tracking_url(carrier: str | None, number: str | None) -> str | None:
    template = TRACKING_URLS.get((carrier or "").strip().lower())
    return template.format(number) if template and number else None


def orders():
    actor = principal()
    status = request.args.get("status") or None
    warehouse = request.args.get("warehouse") or None
    q = request.args.get("q", "")
    late = request.args.get("late") == "1"
    due = request.args.get("due") == "today"
    page = request.args.get("page", 1, type=int) or 1
    due_before = None
    if due:
        timezone = db().scalar(select(Warehouse.timezone).where(Warehouse.code == warehouse)) if warehouse else None
        due_before = warehouse_day(timezone)[1]
    found, total = search_orders(db(), actor, status=status, warehouse=warehouse, q=q, late=late,
                                 due_before=due_before, page=page, per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("fulfillment/orders.html", orders=order_views(db(), found), total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), args=args, statuses=ORDER_STATUSES, status=status,
                  warehouse=warehouse, q=q, late=late, due=due, can_create=actor.role in CREATORS,
                  warehouses=[w.code for w in list_warehouses(db(), actor, limit=200)])


def order_page(order_id: int):
    actor = principal()
    order = get_order(db(), actor, order_id)
    view = order_view(db(), order, with_history=True)
    return render("fulfillment/order.html", order=view, picks=order_picks(db(), order.id),
                  cartons=order_cartons(db(), order.id), tracking_url=tracking_url(view["carrier"],
                                                                                   view["tracking_number"]))


# --- creating -------------------------------------------------------------------------------

def new_order(*, error: DomainError | None = None, form=None, problems=None, status: int = 200):
    actor = principal()
    actor.require(*CREATORS)
    return render("fulfillment/order_new.html", status, error=error, form=form or {},
                  lines=SHEET.shown_lines(form, FORM_LINES), problems=problems or [], columns=CSV_COLUMNS,
                  required=CSV_REQUIRED,
                  sellers=[s.code for s in list_sellers(db(), actor, limit=500)] if actor.is_admin else [],
                  skus=list_skus(db(), actor, limit=2000)[:2000],
                  warehouses=[w.code for w in list_warehouses(db(), actor, limit=200)])


def _body(header: dict, lines: list[dict]) -> dict:
    body = sheets.cleaned({k: v for k, v in header.items() if k not in SHIP_TO}, dates=("ship_by",))
    body["ship_to"] = sheets.cleaned({k: header.get(k, "") for k in SHIP_TO}, upper=("country",))
    body["lines"] = [sheets.cleaned(line, integers=("qty",)) for line in lines]
    return body


def _column(field: str) -> str:
    """An API field as the spreadsheet's column: ship_to.city is "city"."""
    return field.removeprefix("ship_to.")


SHEET = sheets.Sheet(HEADER_COLUMNS, LINE_COLUMNS, CSV_REQUIRED, CreateOrderSchema(), _body, _column)


def create(**_):
    actor = principal()
    actor.require(*CREATORS)
    try:
        order = SHEET.from_form(request.form, lambda data: create_order(db(), actor, data))
    except DomainError as error:
        return new_order(error=error, form=request.form, status=error.status)
    if order.status == "allocated":
        text = gettext("Order %(reference)s created and allocated.", reference=order.reference)
    else:
        text = gettext("Order %(reference)s created and backordered: there is not enough stock in one warehouse.",
                       reference=order.reference)
    return done("fulfillment_web.order_page", text, order_id=order.id)


def upload(**_):
    """A CSV file of order lines: rows sharing a reference make one order;
    any bad row and nothing is created, each bad row named."""
    actor = principal()
    actor.require(*CREATORS)
    try:
        created = SHEET.from_csv(db(), request.files.get("file"), lambda data: create_order(db(), actor, data))
    except sheets.UploadRejected as rejected:
        return new_order(error=rejected.error, problems=rejected.problems, status=rejected.error.status)
    names = ", ".join(o.reference for o in created)
    return done("fulfillment_web.orders", gettext("%(n)s order(s) created from the file: %(names)s.",
                                                  n=len(created), names=names))


def csv_template():
    example = ",".join(CSV_COLUMNS) + "\n" + \
        "SO-9001,,,UPS,ground,2026-12-22,Ada Lovelace,1 Main St,Austin,78701,US,SKU-1,2\n" + \
        "SO-9001,,,UPS,ground,2026-12-22,Ada Lovelace,1 Main St,Austin,78701,US,SKU-2,1\n"
    return Response(example, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="order-template.csv"'})


def dashboard_panels(session, actor, warehouse, day) -> list[dict]:
    """The operations dashboard's fulfillment panels for one warehouse."""
    figures = order_figures(session, warehouse.id, *day)
    code = warehouse.code

    def orders_url(**args) -> str:
        return url_for("fulfillment_web.orders", warehouse=code, **args)

    by_status = figures["by_status"]
    return [
        panel(N_("Orders"), [
            tile(N_("Late against ship-by"), figures["late"], orders_url(late="1"), "bad" if figures["late"] else ""),
            tile(N_("To ship today"), figures["due_today"], orders_url(due="today")),
            tile(N_("Backordered"), by_status["backordered"], orders_url(status="backordered"),
                 "warn" if by_status["backordered"] else ""),
            tile(N_("Allocated"), by_status["allocated"], orders_url(status="allocated")),
            tile(N_("Picking"), by_status["picking"], orders_url(status="picking")),
            tile(N_("Picked"), by_status["picked"], orders_url(status="picked")),
            tile(N_("Packed"), by_status["packed"], orders_url(status="packed")),
        ]),
        panel(N_("Picking"), [
            tile(N_("Open pick lists"), figures["open_pick_lists"], url_for("fulfillment_web.waves", warehouse=code)),
            tile(N_("Open picks"), figures["open_picks"], url_for("fulfillment_web.picks", warehouse=code)),
            tile(N_("Short picks today"), figures["short_picks"],
                 url_for("fulfillment_web.picks", warehouse=code, status="short", since="today"),
                 "warn" if figures["short_picks"] else ""),
        ]),
    ]
