"""Picking, packing and shipping. Each confirmed pick moves units from the
bin to the pick carts (a ledger movement that consumes the order line's
reservation); packing moves them to the pack station in cartons; shipping
hands them to the customer virtual location."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fulfillment.bins import choose_bins
from fulfillment.models import SHORT_REASONS, Carton, CartonLine, Order, Pick, PickList, PickListTote
from fulfillment.queries import get_order, get_pick_list, picked_by_lot, storage_stock
from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.catalog.services import barcode_sku_id, resolve_barcode, resolve_sku
from wms.db import transaction, utcnow
from wms.errors import ConfirmationRequired, Conflict, InvalidState, NotFound, ValidationFailed
from wms.facility.models import Layout, Location
from wms.facility.rules import Geometry
from wms.facility.services import (
    ensure_location,
    layout_params,
    location_ref,
    location_ref_by_id,
    station,
    virtual_location,
)
from wms.inventory.counts import raise_count
from wms.inventory.tasks import create_putaway_tasks
from wms.ledger.events import withhold_available
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement, release_reservation
from wms.messages import M_

CARTS = "CARTS"


def carts(session: Session, warehouse_id: int) -> Location:
    """Where picked units are until packed: the pick carts, one location."""
    return ensure_location(session, warehouse_id, CARTS, "pack", near=station(session, warehouse_id, "pack"))


# An order's units are in its tote from the first pick until it is packed.
TOTE_HELD_WHILE = ("allocated", "picking", "picked", "backordered")


def assign_tote(session: Session, actor: Principal, pick_list_id: int, *, tote: str,
                order_id: int | None = None) -> PickList:
    """Sort while picking: the picker scans a tote for an order of a batch pick
    list (by default the next order, in route order, that has none), and each
    of the order's picks then goes into it (recorded on the pick). A tote
    holds one order: one still holding another order's units (not yet
    packed) is refused, as is a second tote for an order already picked into."""
    actor.require("admin", "operator")
    tote = (tote or "").strip().upper()
    if not tote or len(tote) > 32:
        raise ValidationFailed(tote=M_('scan a tote label (1 to 32 characters)'))
    with transaction(session):
        pick_list = get_pick_list(session, actor, pick_list_id, for_update=True)
        if pick_list.status != "open":
            raise InvalidState(M_('pick list %(id)s is %(status)s', id=pick_list.id, status=pick_list.status))
        orders = list(dict.fromkeys(p.order_id for p in pick_list.picks))
        having = {t.order_id: t for t in pick_list.totes}
        if order_id is None:
            order_id = next((o for o in orders if o not in having), None)
            if order_id is None:
                raise InvalidState(M_('every order of pick list %(id)s has its tote', id=pick_list.id))
        elif order_id not in orders:
            raise ValidationFailed(order_id=M_('order %(order_id)s is not on pick list %(id)s',
                                               order_id=order_id, id=pick_list.id))
        same = next((t for t in pick_list.totes if t.tote == tote), None)
        if same is not None and same.order_id != order_id:
            raise Conflict(M_("tote %(tote)s is already order %(session)s's on this list",
                              tote=tote, session=_reference(session, same.order_id)),
                           {"tote": M_('already used on this list')})
        busy = session.scalar(
            select(PickListTote).join(Order, Order.id == PickListTote.order_id)
            .join(PickList, PickList.id == PickListTote.pick_list_id)
            .where(PickListTote.tote == tote, PickListTote.pick_list_id != pick_list.id,
                   PickList.warehouse_id == pick_list.warehouse_id, Order.status.in_(TOTE_HELD_WHILE)))
        if busy is not None:
            raise Conflict(M_('tote %(tote)s still holds order %(session)s (pick list %(pick_list_id)s): pack it '
                              'first',
                              tote=tote, session=_reference(session, busy.order_id),
                              pick_list_id=busy.pick_list_id), {"tote": M_('in use')})
        current = having.get(order_id)
        if current is not None and current.tote != tote:
            if any(p.order_id == order_id and p.status != "open" for p in pick_list.picks):
                raise InvalidState(M_('order %(session)s is already picked into tote %(tote)s',
                                      session=_reference(session, order_id),
                                      tote=current.tote), {"tote": M_('keep %(tote)s', tote=current.tote)})
            current.tote = tote
        elif current is None:
            session.add(PickListTote(pick_list_id=pick_list.id, order_id=order_id, tote=tote))
        session.flush()
        session.expire(pick_list, ["totes"])
        return pick_list


def _reference(session: Session, order_id: int) -> str:
    return session.scalar(select(Order.reference).where(Order.id == order_id))
def carts_id(session: Session, warehouse_id: int) -> int:
    """The pick carts' location id: no query once known (a location never changes)."""
    try:
        return location_ref(session, warehouse_id, CARTS).id
    except ValidationFailed:
        carts(session, warehouse_id)  # the warehouse's first pick: make them, and remember them
        return location_ref(session, warehouse_id, CARTS).id


def confirm_pick(
    session: Session, actor: Principal, pick_list_id: int, seq: int, *, location: str, qty: int,
    barcode: str | None = None, sku: int | str | None = None, short_reason: str | None = None,
) -> PickList:
    """The picker scanned the bin and the item and says how many were taken.
    Fewer than asked is a short pick: asked about (ConfirmationRequired
    `short_pick`) until a reason from SHORT_REASONS comes with it, then
    recorded with that reason, a count task raised for the bin, and the rest
    re-allocated from another bin or backordered. Nothing taken (qty 0) needs
    no item scan: there may be nothing there to scan."""
    actor.require("admin", "operator")
    if qty < 0:
        raise ValidationFailed(qty=M_('must not be negative'))
    if barcode is not None and sku is not None:
        raise ValidationFailed(barcode=M_('send either barcode or sku'))
    if barcode is None and sku is None and qty > 0:
        raise ValidationFailed(barcode=M_('scan the item taken (or send its sku)'))
    if short_reason is not None and short_reason not in SHORT_REASONS:
        raise ValidationFailed(short_reason=M_('one of %(value)s', value=', '.join(SHORT_REASONS)))
    with transaction(session):
        # Which order the pick is for (and whether the list may be seen): one read.
        head = session.execute(
            select(Pick.order_id, PickList.warehouse_id).join(PickList, PickList.id == Pick.pick_list_id)
            .where(Pick.pick_list_id == pick_list_id, Pick.seq == seq)
        ).first()
        if head is None or not actor.can_see_warehouse(head.warehouse_id):
            get_pick_list(session, actor, pick_list_id)  # NotFound when the list is not there (or not visible)
            raise NotFound(M_('pick %(seq)s not found on pick list %(pick_list_id)s',
                              seq=seq, pick_list_id=pick_list_id))
        # Locks in the order cancel_order takes them (order, pick list, then
        # stock), so a cancel racing a pick cannot deadlock with it. Lines and
        # picks are read after each lock by statements of their own: joined to
        # the locking statement, PostgreSQL would return them as they were
        # before the wait (only the locked rows are re-read).
        order = session.scalars(
            select(Order).where(Order.id == head.order_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one()
        pick_list = session.scalars(
            select(PickList).where(PickList.id == pick_list_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one()
        pick = next((p for p in pick_list.picks if p.seq == seq), None)
        if pick is None or pick.order_id != order.id:  # a cancel dropped it meanwhile
            raise NotFound(M_('pick %(seq)s not found on pick list %(pick_list_id)s',
                              seq=seq, pick_list_id=pick_list_id))
        if pick.status != "open":
            raise InvalidState(M_('pick %(seq)s is already %(status)s', seq=seq, status=pick.status))
        bin_ = location_ref_by_id(session, pick.location_id)
        scanned = location_ref(session, pick_list.warehouse_id, location)
        if scanned.id != bin_.id:
            raise ValidationFailed(location=M_('wrong location: this pick is at %(code)s, not %(code2)s',
                                               code=bin_.code, code2=scanned.code))
        scanned_id = barcode_sku_id(session, barcode, seller_id=order.seller_id) if barcode is not None else None
        if sku is not None or (barcode is not None and scanned_id != pick.sku_id):
            # Not the item asked for (or named by SKU): resolve it in full, for its errors and its code.
            scope = Principal(role="seller", seller_id=order.seller_id)
            item = resolve_barcode(session, scope, barcode, seller_id=order.seller_id) if barcode is not None \
                else resolve_sku(session, scope, sku)
            if item.id != pick.sku_id:
                expected = session.get(Sku, pick.sku_id)
                raise ValidationFailed(errors={"barcode" if barcode is not None else "sku":
                                               M_('wrong item: this pick is %(code)s, not %(code2)s',
                                                  code=expected.code, code2=item.code)})
        if qty > pick.qty:
            raise ValidationFailed(qty=M_('this pick asks for %(qty)s; put the other %(value)s back',
                                          qty=pick.qty, value=qty - pick.qty))
        if qty < pick.qty and short_reason is None:
            expected = session.get(Sku, pick.sku_id)
            raise ConfirmationRequired(
                "short_pick", M_('taking %(qty)s of %(qty2)s × %(code)s from %(code2)s is a short pick',
                                 qty=qty, qty2=pick.qty, code=expected.code, code2=bin_.code),
                {"short_reason": M_('say why to confirm it: one of %(value)s', value=', '.join(SHORT_REASONS))})
        line = next(ln for ln in order.lines if ln.id == pick.order_line_id)
        if qty:
            post_movement(
                session, warehouse_id=pick_list.warehouse_id, kind="pick", actor=actor,
                reference=f"order:{order.id}",
                lines=[PostingLine(bin_.id, pick.sku_id, -qty, pick.lot),
                       PostingLine(carts_id(session, pick_list.warehouse_id), pick.sku_id, qty, pick.lot)],
                consume=[(line.reservation_id, qty)],
            )
        pick.picked_qty = qty
        pick.picked_at = utcnow()
        pick.status = "picked" if qty == pick.qty else "short"
        pick.tote = session.scalar(select(PickListTote.tote).where(
            PickListTote.pick_list_id == pick_list.id, PickListTote.order_id == pick.order_id)) if qty else None
        pick.short_reason = short_reason if qty < pick.qty else None
        line.picked_qty += qty
        if qty < pick.qty:
            _handle_short(session, actor, pick_list, pick, line, order, bin_, pick.qty - qty)
        session.flush()
        _settle_order(session, actor, order, pick_list)
        if all(p.status != "open" for p in pick_list.picks):
            pick_list.status = "done"
        session.flush()
        return pick_list


def _handle_short(session, actor, pick_list, pick, line, order, bin_, short: int) -> None:
    # The bin held less than the ledger says: inventory counts it.
    raise_count(session, warehouse_id=pick_list.warehouse_id, location_id=bin_.id, sku_id=line.sku_id,
                owner_id=line.owner_id, lot=pick.lot, qty=short, source_type="short_pick", source_id=pick.id,
                note=f"short pick {pick_list.id}/{pick.seq}: {pick.short_reason}")
    layout = session.scalar(select(Layout).where(Layout.warehouse_id == pick_list.warehouse_id))
    pack = station(session, pick_list.warehouse_id, "pack")
    geometry = Geometry.of(layout_params(layout)) if layout else Geometry()
    others = storage_stock(session, pick_list.warehouse_id, {line.sku_id}, (pack.x_mm or 0, pack.y_mm or 0),
                           geometry, exclude={bin_.id}).get(line.sku_id, [])
    chosen = choose_bins(short, others)
    if chosen:
        next_seq = max(p.seq for p in pick_list.picks) + 1
        for i, (stock, q) in enumerate(chosen):
            session.add(Pick(pick_list_id=pick_list.id, seq=next_seq + i, order_id=order.id, order_line_id=line.id,
                             location_id=stock.location_id, sku_id=line.sku_id, lot=stock.lot, qty=q))
        session.flush()
        session.refresh(pick_list)
        return
    # Nowhere else to take it from: give the units back and wait for stock.
    release_reservation(session, line.reservation_id, short)
    # Units the picker could not find have not arrived: without this, the
    # release would allocate this very backorder again at once, against them.
    withhold_available(session, (pick_list.warehouse_id, line.sku_id))
    line.allocated_qty -= short


def _settle_order(session: Session, actor: Principal, order: Order, pick_list: PickList) -> None:
    """Once none of its picks is open: picked, or backordered for what was
    short. The order is locked and its lines current in the session."""
    if any(p.order_id == order.id and p.status == "open" for p in pick_list.picks):
        return  # still open on this very list: no need to ask
    open_picks = session.scalar(select(func.count()).select_from(Pick).where(
        Pick.order_id == order.id, Pick.status == "open"))
    if open_picks:
        return
    if all(ln.picked_qty == ln.qty for ln in order.lines):
        order.move_to("picked", actor)
    elif order.status == "picking":
        order.wave_id = None
        order.move_to("backordered", actor, "short pick: waiting for stock")


def _relocate(source: Location, target: Location, units: dict[tuple[int, str], int]) -> list[PostingLine]:
    return [pl for (sku_id, lot), q in sorted(units.items())
            for pl in (PostingLine(source.id, sku_id, -q, lot), PostingLine(target.id, sku_id, q, lot))]


def pack_order(session: Session, actor: Principal, order_id: int, *, cartons: list[dict]) -> Order:
    """Pack the picked units into cartons; the contents must match what was picked."""
    actor.require("admin", "operator")
    with transaction(session):
        order = get_order(session, actor, order_id, for_update=True)
        if order.status != "picked":
            raise InvalidState(M_('order %(reference)s is %(status)s; only a picked order is packed',
                                  reference=order.reference, status=order.status))
        scope = Principal(role="seller", seller_id=order.seller_id)
        packed: dict[int, int] = defaultdict(int)
        made = []
        for i, carton in enumerate(cartons):
            lines = []
            for j, cl in enumerate(carton["lines"]):
                item = resolve_sku(session, scope, cl["sku"], field=f"cartons.{i}.lines.{j}.sku")
                packed[item.id] += cl["qty"]
                lines.append(CartonLine(sku_id=item.id, qty=cl["qty"]))
            made.append(Carton(order_id=order.id, length_mm=carton["length_mm"], width_mm=carton["width_mm"],
                               height_mm=carton["height_mm"], weight_g=carton["weight_g"], lines=lines))
        picked = {ln.sku_id: ln.picked_qty for ln in order.lines}
        if dict(packed) != picked:
            codes = dict(session.execute(select(Sku.id, Sku.code).where(Sku.id.in_(set(packed) | set(picked)))).all())
            diff = ", ".join(f"{codes[s]}: packed {packed.get(s, 0)}, picked {picked.get(s, 0)}"
                             for s in sorted(set(packed) | set(picked)) if packed.get(s, 0) != picked.get(s, 0))
            raise ValidationFailed(cartons=M_('contents do not match what was picked (%(diff)s)', diff=diff))
        session.add_all(made)
        cart, pack = carts(session, order.warehouse_id), station(session, order.warehouse_id, "pack")
        post_movement(session, warehouse_id=order.warehouse_id, kind="pack", actor=actor, reference=f"order:{order.id}",
                      lines=_relocate(cart, pack, picked_by_lot(session, order.id)))
        order.move_to("packed", actor, f"{len(made)} carton(s)")
        session.flush()
        return order


def ship_order(session: Session, actor: Principal, order_id: int, *, carrier: str, tracking_number: str) -> Order:
    """Hand the cartons to the carrier: the units leave the ledger. Final."""
    actor.require("admin", "operator")
    with transaction(session):
        order = get_order(session, actor, order_id, for_update=True)
        if order.status != "packed":
            raise InvalidState(M_('order %(reference)s is %(status)s; only a packed order ships',
                                  reference=order.reference, status=order.status))
        pack = station(session, order.warehouse_id, "pack")
        customer = virtual_location(session, order.warehouse_id, "customer")
        post_movement(session, warehouse_id=order.warehouse_id, kind="ship", actor=actor, reference=f"order:{order.id}",
                      lines=_relocate(pack, customer, picked_by_lot(session, order.id)))
        order.carrier, order.tracking_number, order.shipped_at = carrier, tracking_number, utcnow()
        order.move_to("shipped", actor, f"{carrier} {tracking_number}")
        session.flush()
        return order


def drop_open_picks(session: Session, order: Order) -> None:
    """A cancelled order's picks that nobody has confirmed yet leave their
    pick lists: nothing is to be taken for it any more, and the units they
    would have taken are free for other waves again."""
    list_ids = set(session.scalars(select(Pick.pick_list_id).where(Pick.order_id == order.id,
                                                                    Pick.status == "open")))
    if not list_ids:
        return
    session.scalars(select(PickList.id).where(PickList.id.in_(sorted(list_ids))).order_by(PickList.id)
                    .with_for_update()).all()
    session.execute(delete(Pick).where(Pick.order_id == order.id, Pick.status == "open"))
    for pick_list in session.scalars(select(PickList).where(PickList.id.in_(list_ids))):
        session.expire(pick_list, ["picks"])
        if all(p.status != "open" for p in pick_list.picks):
            pick_list.status = "done"


def return_picked_units(session: Session, order: Order) -> None:
    """A cancelled order's picked units go back to storage: putaway tasks
    from wherever they are (the carts, or the pack station once packed)."""
    units = picked_by_lot(session, order.id)
    if not units:
        return
    source = station(session, order.warehouse_id, "pack") if order.status == "packed" else carts(
        session, order.warehouse_id)
    for (sku_id, lot), qty in sorted(units.items()):
        create_putaway_tasks(session, warehouse_id=order.warehouse_id, dock=source, sku=session.get(Sku, sku_id),
                             qty=qty, lot=lot, source_type="cancel", source_id=order.id)
