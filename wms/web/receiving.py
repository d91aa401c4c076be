"""Receiving at the dock: the open ASNs of the operator's warehouses, one
scan after another against an ASN (expected vs received per line), and
closing it with its discrepancy report."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from wms.catalog.gs1 import read_gs1
from wms.catalog.models import Sku
from wms.catalog.services import get_sku, list_skus
from wms.errors import ConfirmationRequired, DomainError, Refused
from wms.inbound.models import AsnLine
from wms.inbound.services import OPEN_STATUSES, close_asn, get_asn, list_asns, receive_units, reverse_receipt
from wms.inbound.views import asn_view, asn_views, recent_scans
from wms.web.forms import RECEIVE_FORM, load_form
from wms.web.nav import N_
from wms.web.pages import db, done, principal, render

LIST_LIMIT = 100


def asn_list():
    actor = principal()
    actor.require("admin", "operator")
    asns, more = [], False
    for status in ("receiving", "expected"):  # the ones being received first
        found = list_asns(db(), actor, status=status, limit=LIST_LIMIT)
        more = more or len(found) > LIST_LIMIT
        asns += found[:LIST_LIMIT]
    return render("receive_list.html", asns=asn_views(db(), asns), more=more)


# The reasons offered, one tap each, when an over-receipt is confirmed.
# Recorded in English (the value sent), shown in the screen's language.
OVER_RECEIPT_REASONS = (N_("More in the cartons than the ASN says"), N_("The ASN quantity is wrong"),
                        N_("The seller sent extra units"))
# What the operator may scan with a doubt (the form's values, sent again when confirmed).
SCAN_FIELDS = ("barcode", "sku", "qty", "condition", "lot", "expiry", "reason")


def receive_screen(asn_id: int, *, error: DomainError | None = None, form=None):
    actor = principal()
    actor.require("admin", "operator")
    asn = get_asn(db(), actor, asn_id)
    # Lot and expiry fields are shown up front when an item on the ASN needs them.
    tracked = any(sku.lot_tracked or sku.expiry_tracked
                  for sku in (get_sku(db(), actor, sku_id) for sku_id in {line.sku_id for line in asn.lines}))
    sticky = None
    if form is None:
        # A new scan: the lot and expiry of the last one stay (for the same
        # item), or the lot the ASN expects when it names just one.
        form, sticky = _sticky(asn)
    doubt = None
    if isinstance(error, ConfirmationRequired) or (isinstance(error, Refused) and error.code == "expired_lot"):
        # Ask before doing it: the same scan again, with the doubt confirmed.
        values = {name: form.get(name) for name in SCAN_FIELDS if form.get(name)}
        confirmed = [c for c in (form.get("confirm") or "").split(",") if c]
        doubt = {"code": error.code, "values": values, "confirm": ",".join([*confirmed, error.code]),
                 "reasons": OVER_RECEIPT_REASONS if error.code == "over_receipt" else ()}
    return render("receive.html", error.status if error else 200, error=error, asn=asn_view(db(), asn),
                  is_open=asn.status in OPEN_STATUSES, tracked=tracked, form=form, doubt=doubt, sticky=sticky,
                  recent=recent_scans(db(), actor, asn))


def _sticky(asn) -> tuple[dict, dict | None]:
    args = request.args
    if args.get("sticky_sku", "").isdigit() and (args.get("lot") or args.get("expiry")):
        values = {"lot": args.get("lot", ""), "expiry": args.get("expiry", "")}
        return values, {"sku_id": args["sticky_sku"], **values}
    lots = {(line.sku_id, line.lot, line.expiry) for line in asn.lines
            if line.lot and line.received_qty < line.expected_qty}
    if len(lots) == 1:
        sku_id, lot, expiry = lots.pop()
        values = {"lot": lot, "expiry": expiry.isoformat() if expiry else ""}
        return values, {"sku_id": sku_id, **values}
    return {}, None


def _unsticky(asn_id: int, form) -> MultiDict:
    """The form without the lot and expiry that stayed from another item's
    scan (they were not typed for this one)."""
    form = MultiDict(form)
    sticky_sku = form.get("sticky_sku", "")
    if not sticky_sku.isdigit() or form.get("lot", "") != form.get("sticky_lot", "") \
            or form.get("expiry", "") != form.get("sticky_expiry", "") or not form.get("barcode"):
        return form
    if read_gs1(form["barcode"]) is not None:
        return form  # the barcode brings its own lot and expiry
    asn = get_asn(db(), principal(), asn_id)
    skus = list_skus(db(), principal(), barcode=form["barcode"].strip(), limit=10)
    if not any(sku.id == int(sticky_sku) for sku in skus if sku.seller_id == asn.seller_id):
        form.setlist("lot", [])
        form.setlist("expiry", [])
    return form


def receive(asn_id: int):
    actor = principal()
    try:
        data = load_form(RECEIVE_FORM, _unsticky(asn_id, request.form))
        received = receive_units(db(), actor, asn_id, **data)
    except DomainError as error:
        return receive_screen(asn_id, error=error, form=request.form)
    text = (_("Received %(qty)s × %(sku)s (good).", qty=data["qty"], sku=_item(received.asn, data))
            if data["condition"] == "good" else
            _("Received %(qty)s × %(sku)s (damaged).", qty=data["qty"], sku=_item(received.asn, data)))
    if received.warnings:
        warning = " ".join(_capital(w.detail) + "." for w in received.warnings)
        return done("web.receive_screen", _("%(text)s Warning: %(warning)s", text=text, warning=warning),
                    kind="warn", asn_id=asn_id, **_keep(received, data))
    return done("web.receive_screen", text, asn_id=asn_id, **_keep(received, data))


def _keep(received, data: dict) -> dict:
    """The lot and expiry typed (or prefilled) to keep for the next unit of
    the same item (a GS1 scan brings its own each time)."""
    if not data.get("lot") or read_gs1(data.get("barcode") or "") is not None:
        return {}
    line = db().get(AsnLine, received.receipt.asn_line_id)
    expiry = data["expiry"].isoformat() if data.get("expiry") else ""
    return {"sticky_sku": line.sku_id, "lot": data["lot"], "expiry": expiry}


def undo(asn_id: int, receipt_id: int):
    try:
        receipt = reverse_receipt(db(), principal(), asn_id, receipt_id)
    except DomainError as error:
        return receive_screen(asn_id, error=error)
    text = _("Undone: %(qty)s × %(sku)s taken back out.", qty=receipt.qty, sku=_sku_of(receipt))
    return done("web.receive_screen", text, asn_id=asn_id)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sku_of(receipt) -> str:
    return db().scalar(select(Sku.code).join(AsnLine, AsnLine.sku_id == Sku.id)
                       .where(AsnLine.id == receipt.asn_line_id))


def _item(asn, data: dict) -> str:
    if data.get("barcode") is None:
        return str(data["sku"])
    gs1 = read_gs1(data["barcode"])
    if gs1 is not None:
        skus = [sku for code in gs1.barcodes() for sku in list_skus(db(), principal(), barcode=code, limit=10)]
        return next((sku.code for sku in skus if sku.seller_id == asn.seller_id), data["barcode"])
    skus = list_skus(db(), principal(), barcode=data["barcode"], limit=10)
    return next((sku.code for sku in skus if sku.seller_id == asn.seller_id), data["barcode"])


def close_screen(asn_id: int, *, error: DomainError | None = None):
    actor = principal()
    actor.require("admin", "operator")
    asn = get_asn(db(), actor, asn_id)
    return render("close.html", error.status if error else 200, error=error,
                  asn=asn_view(db(), asn, with_report=True), is_open=asn.status in OPEN_STATUSES)


def close(asn_id: int):
    try:
        asn = close_asn(db(), principal(), asn_id)
    except DomainError as error:
        return close_screen(asn_id, error=error)
    return done("web.receive_screen", _("ASN %(reference)s closed.", reference=asn.reference), asn_id=asn_id)
