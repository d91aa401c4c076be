"""Fulfillment's own web screens (a blueprint with its own templates,
fulfillment/templates/fulfillment/): picking a pick list in route order (the
next pick's bin and item in big letters; scan the bin, scan the item, say
how many, fewer is a short pick). Also the seller portal's order pages
(fulfillment.portal), their link in the portal's menu and the home
screen's Pick button, as page sections."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from fulfillment import pack_pages, portal, wave_pages
from fulfillment.models import SHORT_REASONS
from fulfillment.picking import assign_tote, confirm_pick
from fulfillment.queries import get_pick_list
from fulfillment.schemas import ConfirmPickSchema
from fulfillment.views import pick_list_view
from wms.errors import ConfirmationRequired, DomainError, ValidationFailed
from wms.idempotency import form_idempotency_key
from wms.web.blueprints import screens_blueprint
from wms.web.forms import FormSchema, load_form
from wms.web.nav import N_
from wms.web.pages import db, done, principal, render

bp = screens_blueprint("fulfillment_web", __name__, template_folder="templates")


class PickForm(FormSchema, ConfirmPickSchema):
    """The scanned bin and item of one pick, and how many were taken."""

    seq = fields.Integer(required=True)


PICK_FORM = PickForm()


@bp.get("/pick")
def pick_start():
    """Type or scan the number of the pick list to work on."""
    principal().require("admin", "operator")
    number = request.args.get("list", "").strip()
    if number.upper().startswith("PL"):
        number = number[2:].lstrip("-: ")  # a printed "PL-12" label
    if not number:
        return render("fulfillment/pick_start.html", open_lists=_open_lists())
    if not number.isdigit():
        return render("fulfillment/pick_start.html", 422,
                      error=ValidationFailed(list=_("%(number)s is not a pick list number", number=repr(number))))
    return redirect(url_for("fulfillment_web.pick_screen", pick_list_id=int(number)))


# The short-pick reasons as the screen offers them, one tap each.
SHORT_REASON_LABELS = dict(zip(SHORT_REASONS, (N_("The bin is empty"), N_("The units here are damaged"),
                                               N_("Another item is in the bin")), strict=True))


def needs_totes(pick_list: dict) -> bool:
    """A batch list (several orders) is sorted into totes: one scanned per
    order before its first pick."""
    return (pick_list["status"] == "open" and len(pick_list["totes"]) > 1
            and any(t["tote"] is None for t in pick_list["totes"])
            and all(p["status"] == "open" for p in pick_list["picks"]))


def _open_lists() -> list[dict]:
    """The open pick lists of the operator's warehouses, oldest first, with their progress."""
    from sqlalchemy import func, select

    from fulfillment.models import Pick, PickList

    actor = principal()
    rows = db().execute(
        select(PickList.id, func.count(Pick.id), func.count(Pick.id).filter(Pick.status != "open"))
        .join(Pick, Pick.pick_list_id == PickList.id)
        .where(PickList.status == "open", actor.warehouse_filter(PickList.warehouse_id))
        .group_by(PickList.id).order_by(PickList.id).limit(50))
    return [{"id": i, "picks": n, "done": d} for i, n, d in rows]


@bp.get("/pick/<int:pick_list_id>")
def pick_screen(pick_list_id: int, *, error: DomainError | None = None, form=None, focus: str = "location"):
    pick_list = pick_list_view(db(), get_pick_list(db(), principal(), pick_list_id))
    if needs_totes(pick_list):
        return totes_screen(pick_list, error=error)
    following = next((p for p in pick_list["picks"] if p["status"] == "open"), None)
    form = form or {}
    doubt = None
    if isinstance(error, ConfirmationRequired) and error.code == "short_pick":
        # A short pick is asked about: the same values again, with a reason.
        doubt = {"values": {name: form.get(name) for name in ("seq", "location", "barcode", "qty")
                            if form.get(name)},
                 "reasons": SHORT_REASON_LABELS}
        form = {}
    return render("fulfillment/pick.html", error.status if error else 200, error=error, pick_list=pick_list,
                  pick=following, form=form, focus=focus, doubt=doubt)


def totes_screen(pick_list: dict, *, error: DomainError | None = None):
    waiting = [t for t in pick_list["totes"] if t["tote"] is None]
    return render("fulfillment/pick_totes.html", error.status if error else 200, error=error,
                  pick_list=pick_list, next_order=waiting[0] if waiting else None)


@bp.post("/pick/<int:pick_list_id>/totes")
@form_idempotency_key
def tote(pick_list_id: int):
    """One tote scanned for the next order of the list without one."""
    try:
        view = pick_list_view(db(), assign_tote(db(), principal(), pick_list_id,
                                                tote=request.form.get("tote", "")))
    except DomainError as error:
        return totes_screen(pick_list_view(db(), get_pick_list(db(), principal(), pick_list_id)), error=error)
    scanned = request.form.get("tote", "").strip().upper()
    latest = next(t for t in view["totes"] if t["tote"] == scanned)
    text = _("Tote %(tote)s is for order %(order)s.", tote=latest["tote"], order=latest["order_reference"])
    if not needs_totes(view):
        text += " " + _("Every order has its tote: start picking.")
    return done("fulfillment_web.pick_screen", text, pick_list_id=pick_list_id)


@bp.post("/pick/<int:pick_list_id>")
@form_idempotency_key
def pick(pick_list_id: int):
    form = request.form.to_dict()
    if form.get("empty"):
        # "Bin empty": nothing taken, nothing to scan.
        form.update(qty="0", barcode="")
    elif form.get("location", "").strip() and not form.get("barcode", "").strip() \
            and form.get("qty", "").strip() != "0":
        # Without JavaScript, Enter after the bin sends the form: ask for the item.
        return pick_screen(pick_list_id, form=form, focus="barcode")
    try:
        data = load_form(PICK_FORM, MultiDict(form))
        seq = data.pop("seq")
        view = pick_list_view(db(), confirm_pick(db(), principal(), pick_list_id, seq, **data))
    except DomainError as error:
        if "location" in error.errors:
            # Wrong bin: the item scanned there does not count either; scan both again.
            return pick_screen(pick_list_id, error=error, form={**form, "barcode": ""})
        return pick_screen(pick_list_id, error=error, form=form,
                           focus="barcode" if "barcode" in error.errors else "location")
    p = next(p for p in view["picks"] if p["seq"] == seq)
    if p["status"] == "short":
        text = _("Short pick (%(reason)s): took %(taken)s of %(qty)s × %(sku)s from %(bin)s.",
                 reason=_(SHORT_REASON_LABELS[p["short_reason"]]).lower(), taken=p["picked_qty"], qty=p["qty"],
                 sku=p["sku"], bin=p["location"])
    else:
        text = _("Picked %(qty)s × %(sku)s from %(bin)s.", qty=p["picked_qty"], sku=p["sku"], bin=p["location"])
    if p["tote"] and p["picked_qty"]:
        text += " " + _("Put them in tote %(tote)s.", tote=p["tote"])
    if view["status"] == "done":
        text += " " + _("Pick list done: take the cart to packing.")
    return done("fulfillment_web.pick_screen", text, pick_list_id=pick_list_id)


# Packing and shipping on the handheld (fulfillment.pack_pages).
bp.add_url_rule("/pack", "pack_start", pack_pages.pack_start)
bp.add_url_rule("/pack/<int:order_id>", "pack_screen", pack_pages.pack_screen)
bp.add_url_rule("/pack/<int:order_id>", "pack", form_idempotency_key(pack_pages.pack), methods=["POST"])
bp.add_url_rule("/ship", "ship_start", pack_pages.ship_start)
bp.add_url_rule("/ship/<int:order_id>", "ship_screen", pack_pages.ship_screen)
bp.add_url_rule("/ship/<int:order_id>", "ship", form_idempotency_key(pack_pages.ship), methods=["POST"])
# The seller portal's orders (fulfillment.portal).
bp.add_url_rule("/orders", "orders", portal.orders)
bp.add_url_rule("/orders/<int:order_id>", "order_page", portal.order_page)
bp.add_url_rule("/orders/new", "new_order", portal.new_order)
bp.add_url_rule("/orders/new", "create_order", form_idempotency_key(portal.create), methods=["POST"])
bp.add_url_rule("/orders/upload", "upload_orders", form_idempotency_key(portal.upload), methods=["POST"])
bp.add_url_rule("/orders/template.csv", "order_template", portal.csv_template)
# Waves from the operations pages (fulfillment.wave_pages).
bp.add_url_rule("/waves", "waves", wave_pages.waves)
bp.add_url_rule("/waves", "plan_wave", form_idempotency_key(wave_pages.plan), methods=["POST"])
bp.add_url_rule("/waves/<int:wave_id>", "wave_page", wave_pages.wave_page)
bp.add_url_rule("/picks", "picks", wave_pages.picks)


def portal_nav() -> list[tuple[str, str, tuple[str, ...]]]:
    """The portal's links this package adds: (label, endpoint, roles)."""
    return [(N_("Orders"), "fulfillment_web.orders", ("admin", "operator", "seller")),
            (N_("Waves"), "fulfillment_web.waves", ("admin", "operator"))]


def home_menu() -> list[tuple[str, str]]:
    """The home screen's buttons this package adds: (label, endpoint)."""
    return [(N_("Pick"), "fulfillment_web.pick_start"), (N_("Pack"), "fulfillment_web.pack_start"),
            (N_("Ship"), "fulfillment_web.ship_start")]
