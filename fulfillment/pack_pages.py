"""Packing and shipping on the handheld: scan a tote (or an order's
reference), verify every picked unit by scanning it, choose a carton and
type or scan its weight, pack; then scan the tracking number and ship.
Packing and shipping are fulfillment.picking's pack_order and ship_order,
the same services as the API's; the item scans before them change nothing
(they ride in the page's address, so a reload or Back is harmless), and an
item not in the order or one unit too many is caught there."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from fulfillment.picking import pack_order, ship_order
from fulfillment.queries import get_order, order_for_scan
from fulfillment.schemas import ShipOrderSchema
from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.catalog.services import resolve_barcode
from wms.errors import DomainError, InvalidState, ValidationFailed
from wms.web.forms import FormSchema, load_form
from wms.web.guard import notice
from wms.web.nav import N_
from wms.web.pages import db, done, principal, render

# Cartons offered with one tap: (name, length, width, height in mm).
CARTONS = (("S", 300, 200, 150), ("M", 400, 300, 200), ("L", 600, 400, 400))
CARTON_LABEL = N_("Carton %(name)s")


def _verified(raw: str | None) -> dict[int, int]:
    """'sku_id:count,...' from the page's address; anything else is ignored."""
    counts: dict[int, int] = {}
    for part in (raw or "").split(","):
        sku, _sep, n = part.partition(":")
        if sku.isdigit() and n.isdigit() and len(sku) <= 10 and len(n) <= 6:
            counts[int(sku)] = int(n)
    return counts


def _encode(counts: dict[int, int]) -> str:
    return ",".join(f"{sku}:{n}" for sku, n in sorted(counts.items()) if n)


def _lines(order, counts: dict[int, int]) -> list[dict]:
    skus = {s.id: s for s in db().scalars(select(Sku).where(Sku.id.in_([ln.sku_id for ln in order.lines])))}
    return [{"sku_id": ln.sku_id, "sku": skus[ln.sku_id].code, "name": skus[ln.sku_id].name,
             "picked": ln.picked_qty, "verified": min(counts.get(ln.sku_id, 0), ln.picked_qty),
             "volume_mm3": skus[ln.sku_id].length_mm * skus[ln.sku_id].width_mm * skus[ln.sku_id].height_mm,
             "weight_g": skus[ln.sku_id].weight_g}
            for ln in order.lines if ln.picked_qty]


def _suggested_carton(lines: list[dict]) -> str:
    """The smallest carton the units' own volume fills to at most 80%."""
    volume = sum(ln["volume_mm3"] * ln["picked"] for ln in lines)
    for name, length, width, height in CARTONS:
        if volume <= 0.8 * length * width * height:
            return name
    return CARTONS[-1][0]


def start(kind: str):
    """Scan a tote or an order reference to pack (kind 'pack') or ship ('ship')."""
    actor = principal()
    actor.require("admin", "operator")
    code = request.args.get("code", "").strip()
    if not code:
        return render("fulfillment/pack_start.html", kind=kind)
    try:
        order = order_for_scan(db(), actor, code, status="picked" if kind == "pack" else "packed")
    except DomainError as error:
        return render("fulfillment/pack_start.html", error.status, error=error, kind=kind, code=code)
    endpoint = "fulfillment_web.pack_screen" if kind == "pack" else "fulfillment_web.ship_screen"
    return redirect(url_for(endpoint, order_id=order.id))


def pack_start():
    return start("pack")


def ship_start():
    return start("ship")


def pack_screen(order_id: int, *, error: DomainError | None = None, counts: dict[int, int] | None = None,
                form=None):
    actor = principal()
    actor.require("admin", "operator")
    order = get_order(db(), actor, order_id)
    if order.status == "packed":
        return redirect(url_for("fulfillment_web.ship_screen", order_id=order.id))
    if order.status != "picked" and error is None:
        error = InvalidState(_("Order %(reference)s is %(status)s: only a picked order is packed.",
                               reference=order.reference, status=order.status))
    counts = _verified(request.args.get("v")) if counts is None else counts
    barcode = request.args.get("barcode", "").strip() if request.method == "GET" else ""
    lines = _lines(order, counts)
    if barcode and error is None:
        try:
            line = _verify(order, lines, barcode)
        except DomainError as scan_error:
            error = scan_error
        else:
            counts = {**counts, line["sku_id"]: line["verified"] + 1}
            text = _("%(sku)s: %(done)s of %(total)s verified.", sku=line["sku"], done=line["verified"] + 1,
                     total=line["picked"])
            # The scan is in the address of the next page, not of this one: a reload does not count it again.
            return redirect(url_for("fulfillment_web.pack_screen", order_id=order.id, v=_encode(counts),
                                    **notice(text)), code=303)
    lines = _lines(order, counts)
    complete = all(ln["verified"] == ln["picked"] for ln in lines)
    return render("fulfillment/pack.html", error.status if error else 200, error=error, order=order, lines=lines,
                  v=_encode(counts), complete=complete, cartons=CARTONS, carton_label=CARTON_LABEL,
                  suggested=_suggested_carton(lines), form=form or {},
                  units=sum(ln["picked"] for ln in lines), verified=sum(ln["verified"] for ln in lines),
                  estimate_g=sum(ln["weight_g"] * ln["picked"] for ln in lines))


def _verify(order, lines: list[dict], barcode: str) -> dict:
    """One scanned unit: its line, if it is in the order and not one too many."""
    sku = resolve_barcode(db(), Principal(role="seller", seller_id=order.seller_id), barcode,
                          seller_id=order.seller_id)
    line = next((ln for ln in lines if ln["sku_id"] == sku.id), None)
    if line is None:
        raise ValidationFailed(barcode=_("%(sku)s is not in order %(reference)s: put it aside.", sku=sku.code,
                                         reference=order.reference))
    if line["verified"] >= line["picked"]:
        raise ValidationFailed(barcode=_("one %(sku)s too many: the order has %(total)s, all verified.",
                                         sku=sku.code, total=line["picked"]))
    return line


def pack(order_id: int):
    """Pack the verified units in the chosen carton with its weight."""
    actor = principal()
    form = request.form
    counts = _verified(form.get("v"))
    try:
        order = get_order(db(), actor, order_id)
        lines = _lines(order, counts)
        missing = [f"{ln['sku']} {ln['verified']}/{ln['picked']}" for ln in lines if ln["verified"] != ln["picked"]]
        if missing:
            raise ValidationFailed(barcode=_("scan every unit before packing (%(missing)s)",
                                             missing=", ".join(missing)))
        dims = _dimensions(form)
        weight = form.get("weight_g", "").strip()
        if not weight.isdigit() or not 0 < int(weight) <= 1_000_000:
            message = _("Weight: type or scan the carton's weight in grams")
            raise ValidationFailed(message, weight_g=message)
        packed = pack_order(db(), actor, order_id, cartons=[{
            **dims, "weight_g": int(weight),
            "lines": [{"sku": ln["sku_id"], "qty": ln["verified"]} for ln in lines]}])
    except DomainError as error:
        return pack_screen(order_id, error=error, counts=counts, form=form)
    return done("fulfillment_web.ship_screen",
                _("Packed %(reference)s: scan the tracking number.", reference=packed.reference), order_id=order_id)


def _dimensions(form) -> dict[str, int]:
    preset = next((c for c in CARTONS if c[0] == form.get("carton")), None)
    values = {}
    for i, name in enumerate(("length_mm", "width_mm", "height_mm")):
        typed = form.get(name, "").strip()
        if typed:
            if not typed.isdigit() or not 0 < int(typed) <= 10_000:
                message = _("Carton size: a whole number of millimetres, 1 to 10000")
                raise ValidationFailed(message, errors={name: message})
            values[name] = int(typed)
        elif preset:
            values[name] = preset[i + 1]
        else:
            message = _("Carton: choose one or type its size")
            raise ValidationFailed(message, carton=message)
    return values


class ShipForm(FormSchema, ShipOrderSchema):
    """The carrier and the scanned tracking number."""


SHIP_FORM = ShipForm()


def ship_screen(order_id: int, *, error: DomainError | None = None, form=None):
    actor = principal()
    actor.require("admin", "operator")
    order = get_order(db(), actor, order_id)
    if order.status != "packed" and error is None and order.status != "shipped":
        error = InvalidState(_("Order %(reference)s is %(status)s: only a packed order ships.",
                               reference=order.reference, status=order.status))
    return render("fulfillment/ship.html", error.status if error else 200, error=error, order=order,
                  form=form or {})


def ship(order_id: int):
    form = request.form
    try:
        shipped = ship_order(db(), principal(), order_id, **load_form(SHIP_FORM, form))
    except DomainError as error:
        return ship_screen(order_id, error=error, form=form)
    return done("fulfillment_web.pack_start",
                _("Shipped %(reference)s with %(carrier)s, tracking %(tracking)s.", reference=shipped.reference,
                  carrier=shipped.carrier, tracking=shipped.tracking_number))
