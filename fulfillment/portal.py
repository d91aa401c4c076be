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
from wms.db import transaction
from wms.errors import DomainError, ValidationFailed
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
CREATE_SCHEMA = CreateOrderSchema()
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
    form = form if form is not None else {}
    lines = _form_lines(form) if form else []
    lines += [{}] * max(FORM_LINES - len(lines), 1)
    return render("fulfillment/order_new.html", status, error=error, form=form, lines=lines,
                  problems=problems or [], columns=CSV_COLUMNS, required=CSV_REQUIRED,
                  sellers=[s.code for s in list_sellers(db(), actor, limit=500)] if actor.is_admin else [],
                  skus=list_skus(db(), actor, limit=2000)[:2000],
                  warehouses=[w.code for w in list_warehouses(db(), actor, limit=200)])


def _form_lines(form) -> list[dict]:
    columns = {c: form.getlist(f"line_{c}") for c in LINE_COLUMNS}
    count = max((len(v) for v in columns.values()), default=0)
    return [{c: (columns[c][i] if i < len(columns[c]) else "") for c in LINE_COLUMNS} for i in range(count)]


def _body(header: dict, lines: list[dict]) -> dict:
    body = sheets.cleaned({k: v for k, v in header.items() if k not in SHIP_TO}, dates=("ship_by",))
    body["ship_to"] = sheets.cleaned({k: header.get(k, "") for k in SHIP_TO}, upper=("country",))
    body["lines"] = [sheets.cleaned(line, integers=("qty",)) for line in lines]
    return body


def _column(field: str) -> str:
    """An API field as the spreadsheet's column: ship_to.city is "city"."""
    return field.removeprefix("ship_to.")


def create(**_):
    actor = principal()
    actor.require(*CREATORS)
    form = request.form
    rows = [(i, ln) for i, ln in enumerate(_form_lines(form)) if any(v.strip() for v in ln.values())]
    header = {c: form.get(c, "") for c in ("reference",) + HEADER_COLUMNS}
    try:
        if not rows:
            raise ValidationFailed(errors={"lines": gettext("fill in at least one line")})
        order = create_order(db(), actor, sheets.load(CREATE_SCHEMA, _body(header, [ln for _i, ln in rows])))
    except DomainError as error:
        errors = {}
        for key, message in error.errors.items():
            parts = str(key).split(".")
            if parts[0] == "lines" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
                key = f"line {rows[int(parts[1])][0] + 1} {'.'.join(parts[2:])}"
            errors[_column(str(key))] = message
        shown = ValidationFailed(errors=errors) if errors else error
        shown.status = error.status
        return new_order(error=shown, form=form, status=error.status)
    if order.status == "allocated":
        text = gettext("Order %(reference)s created and allocated.", reference=order.reference)
    else:
        text = gettext("Order %(reference)s created and backordered: there is not enough stock in one warehouse.",
                       reference=order.reference)
    return done("fulfillment_web.order_page", text,
                order_id=order.id)


def upload(**_):
    """A CSV file of order lines: rows sharing a reference make one order;
    any bad row and nothing is created, each bad row named."""
    actor = principal()
    actor.require(*CREATORS)
    problems: list[sheets.Problem] = []
    created = []
    try:
        rows = sheets.read_csv(request.files.get("file"), CSV_COLUMNS, CSV_REQUIRED)
        docs = sheets.documents(rows, HEADER_COLUMNS, problems)
        with transaction(db()):
            for doc in docs:
                def body_of(rows, doc=doc):
                    first = rows[0].values
                    header = {"reference": doc.reference, **{c: first.get(c, "") for c in HEADER_COLUMNS}}
                    return _body(header, [{c: r.values.get(c, "") for c in LINE_COLUMNS} for r in rows])

                order, found = sheets.create_document(doc, body_of, CREATE_SCHEMA,
                                                      lambda data: create_order(db(), actor, data), _column)
                problems += found
                if order is not None:
                    created.append(order)
            if problems:
                raise ValidationFailed(gettext("%(n)s row(s) have errors: nothing was created. Correct them and "
                                               "upload the file again.", n=len({p.row for p in problems})))
    except DomainError as error:
        problems.sort(key=lambda p: (p.row or 0, p.column))
        return new_order(error=error, problems=problems, status=error.status)
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
            tile(N_("Open picks"), figures["open_picks"], url_for("fulfillment_web.waves", warehouse=code)),
            tile(N_("Short picks today"), figures["short_picks"], url_for("web.counts", warehouse=code, status="open"),
                 "warn" if figures["short_picks"] else ""),
        ]),
    ]
