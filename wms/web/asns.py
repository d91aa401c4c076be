"""ASNs in the portal: the list (every status, closed ones included, with
progress), an ASN's page (lines, receipts, damaged units, the discrepancy
report once closed), and creating them in a form or by CSV upload with
row-by-row messages (a file with any bad row creates nothing)."""
from __future__ import annotations

from flask import Response, request
from flask_babel import gettext
from sqlalchemy import select

from wms.catalog.services import list_sellers, list_skus
from wms.errors import DomainError
from wms.facility.models import Warehouse
from wms.facility.services import list_warehouses
from wms.inbound.models import ASN_STATUSES, TRANSPORT_MODES
from wms.inbound.queries import receipt_views, search_asns
from wms.inbound.schemas import CreateAsnSchema
from wms.inbound.services import create_asn, get_asn
from wms.inbound.views import asn_view, asn_views
from wms.web import sheets
from wms.web.clock import warehouse_day
from wms.web.pages import db, done, principal, render

PER_PAGE = 50
FORM_LINES = 8
HEADER_COLUMNS = ("seller", "warehouse", "expected_at", "transport_mode", "carrier", "tracking_number",
                  "container_number")
LINE_COLUMNS = ("sku", "qty", "lot", "expiry")
CSV_COLUMNS = ("reference",) + HEADER_COLUMNS + LINE_COLUMNS
CSV_REQUIRED = ("reference", "warehouse", "sku", "qty")
CREATORS = ("admin", "seller")


def asns():
    actor = principal()
    status = request.args.get("status") or None
    warehouse = request.args.get("warehouse") or None
    q = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    due = _due(request.args.get("due"), warehouse)
    found, total = search_asns(db(), actor, status=status, warehouse=warehouse, q=q, due=due, page=page,
                               per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("asns.html", asns=asn_views(db(), found), total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), args=args, statuses=ASN_STATUSES,
                  warehouses=[w.code for w in list_warehouses(db(), actor, limit=200)],
                  status=status, warehouse=warehouse, q=q, due=request.args.get("due"),
                  can_create=actor.role in CREATORS)


def _due(due: str | None, warehouse: str | None):
    """"today" or "late" against the warehouse's own day (UTC's without one)."""
    if due not in ("today", "late"):
        return None
    timezone = db().scalar(select(Warehouse.timezone).where(Warehouse.code == warehouse)) if warehouse else None
    start, end = warehouse_day(timezone)
    return (start, end) if due == "today" else (None, start)


def asn_page(asn_id: int):
    actor = principal()
    asn = get_asn(db(), actor, asn_id)
    view = asn_view(db(), asn, with_report=asn.status == "closed")
    return render("asn.html", asn=view, receipts=receipt_views(db(), asn))


# --- creating -----------------------------------------------------------------------------

def _body(header: dict, lines: list[dict]) -> dict:
    body = sheets.cleaned(header, dates=("expected_at",), upper=("container_number",))
    body["lines"] = [sheets.cleaned(line, integers=("qty",)) for line in lines]
    return body


SHEET = sheets.Sheet(HEADER_COLUMNS, LINE_COLUMNS, CSV_REQUIRED, CreateAsnSchema(), _body)


def _form_context(actor) -> dict:
    sellers = [s.code for s in list_sellers(db(), actor, limit=500)] if actor.is_admin else []
    skus = list_skus(db(), actor, limit=2000)[:2000]
    return {"warehouses": [w.code for w in list_warehouses(db(), actor, limit=200)], "sellers": sellers,
            "skus": skus, "modes": TRANSPORT_MODES, "columns": CSV_COLUMNS, "required": CSV_REQUIRED}


def new_asn(*, error: DomainError | None = None, form=None, problems=None, status: int = 200):
    actor = principal()
    actor.require(*CREATORS)
    return render("asn_new.html", status, error=error, form=form or {}, lines=SHEET.shown_lines(form, FORM_LINES),
                  problems=problems or [], **_form_context(actor))


def create(**_):
    """The form: one ASN with the lines that are filled in."""
    actor = principal()
    actor.require(*CREATORS)
    try:
        asn = SHEET.from_form(request.form, lambda data: create_asn(db(), actor, data))
    except DomainError as error:
        return new_asn(error=error, form=request.form, status=error.status)
    return done("web.asn_page", gettext("ASN %(reference)s created.", reference=asn.reference), asn_id=asn.id)


def upload(**_):
    """A CSV file of ASN lines: rows sharing a reference make one ASN. Every
    row is checked; if any is wrong nothing is created and each bad row is
    named with its column and what is wrong."""
    actor = principal()
    actor.require(*CREATORS)
    try:
        created = SHEET.from_csv(db(), request.files.get("file"), lambda data: create_asn(db(), actor, data))
    except sheets.UploadRejected as rejected:
        return new_asn(error=rejected.error, problems=rejected.problems, status=rejected.error.status)
    names = ", ".join(a.reference for a in created)
    return done("web.asns", gettext("%(n)s ASN(s) created from the file: %(names)s.", n=len(created), names=names))


def csv_template():
    """An example file with every column, to fill in."""
    example = ",".join(CSV_COLUMNS) + "\n" + \
        "PO-2001,,US-LAX,2026-12-20,sea,Maersk,,MSCU1234565,SKU-1,120,,\n" + \
        "PO-2001,,US-LAX,2026-12-20,sea,Maersk,,MSCU1234565,SKU-2,48,L2701,2028-07-26\n"
    return Response(example, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="asn-template.csv"'})
