"""Inbound: advance shipping notices, receiving by scan, closing with a
discrepancy report. Receipts are ledger movements from the warehouse's
inbound virtual location to the dock (good) or quarantine (damaged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wms.auth.lookup import get_visible
from wms.auth.principal import Principal
from wms.catalog.gs1 import read_gs1
from wms.catalog.models import Barcode, Lot, Seller, Sku
from wms.catalog.services import owning_seller, resolve_barcode, resolve_sku
from wms.db import transaction, utcnow
from wms.errors import (
    Blocked,
    ConfirmationRequired,
    Conflict,
    InsufficientStock,
    InvalidState,
    NotFound,
    Refused,
    ValidationFailed,
)
from wms.facility.models import Warehouse
from wms.facility.services import (
    resolve_warehouse,
    station,
    station_ref,
    virtual_location,
    virtual_location_ref,
)
from wms.inbound.models import RECEIPT_CONFIRMATIONS, TRANSPORT_MODES, Asn, AsnLine, Receipt
from wms.inventory.models import Task
from wms.inventory.tasks import create_putaway_tasks
from wms.ledger.rules import PostingLine
from wms.ledger.services import change_expected, post_movement
from wms.messages import M_

OPEN_STATUSES = ("expected", "receiving")


def check_lot(session: Session, sku: Sku, lot: str | None, expiry: date | None) -> tuple[str, date | None]:
    """Lot and expiry are required where the SKU tracks them; a lot keeps the
    expiry it was first received with. Returns the lot and its expiry (the
    one recorded for the lot when the scan gave none)."""
    if sku.lot_tracked and not lot:
        raise ValidationFailed(lot=M_('required: SKU %(code)s is lot-tracked', code=sku.code))
    if sku.expiry_tracked and expiry is None:
        raise ValidationFailed(expiry=M_('required: SKU %(code)s tracks expiry dates', code=sku.code))
    if sku.expiry_tracked and not lot:
        raise ValidationFailed(lot=M_('required: SKU %(code)s tracks expiry dates by lot', code=sku.code))
    if not lot:
        return "", expiry
    known = session.scalar(select(Lot).where(Lot.sku_id == sku.id, Lot.lot == lot))
    if known is None:
        # Two docks (two ASNs) may receive a new lot at once: the first insert
        # wins and the other waits for it, then reads what it recorded.
        dialect = session.get_bind().dialect.name
        session.execute(
            (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Lot)
            .values(sku_id=sku.id, lot=lot, expiry=expiry)
            .on_conflict_do_nothing(index_elements=["sku_id", "lot"])
        )
        known = session.scalar(select(Lot).where(Lot.sku_id == sku.id, Lot.lot == lot))
    if expiry is not None and known.expiry is not None and known.expiry != expiry:
        raise ValidationFailed(expiry=M_('lot %(lot)s was received with expiry %(value)s',
                                         lot=lot, value=known.expiry.isoformat()))
    return lot, expiry or known.expiry


def create_asn(session: Session, actor: Principal, data: dict) -> Asn:
    """Announce an inbound shipment; its units count as `expected` stock."""
    with transaction(session):
        seller_id = owning_seller(session, actor, data.get("seller"), what="ASNs")
        wh = resolve_warehouse(session, actor, data["warehouse"])
        reference = data["reference"]
        if session.scalar(select(Asn.id).where(Asn.seller_id == seller_id, Asn.reference == reference)):
            raise Conflict(M_('ASN %(reference)s already exists for this seller',
                              reference=reference), {"reference": M_('already exists')})
        mode = data.get("transport_mode")
        if mode is not None and mode not in TRANSPORT_MODES:
            raise ValidationFailed(transport_mode=M_('must be one of %(value)s', value=', '.join(TRANSPORT_MODES)))
        scope = Principal(role="seller", seller_id=seller_id)
        seller_code = session.scalar(select(Seller.code).where(Seller.id == seller_id))
        lines: dict[tuple[int, str], AsnLine] = {}
        for i, line in enumerate(data["lines"]):
            sku = resolve_sku(session, scope, line["sku"], seller_code=seller_code, field=f"lines.{i}.sku")
            lot = line.get("lot") or ""
            if lot and line.get("expiry") is not None:
                # Lot and expiry are optional when announced, and a lot takes its
                # expiry when first received; an announcement must not contradict it.
                known = session.scalar(select(Lot.expiry).where(Lot.sku_id == sku.id, Lot.lot == lot))
                if known is not None and known != line["expiry"]:
                    raise ValidationFailed(
                        errors={f"lines.{i}.expiry": M_('lot %(lot)s was received with expiry %(value)s',
                                                        lot=lot, value=known.isoformat())}
                    )
            if (sku.id, lot) in lines:
                raise ValidationFailed(
                    errors={f"lines.{i}.sku": M_('%(code)s is listed twice; put the units on one line', code=sku.code)}
                )
            lines[(sku.id, lot)] = AsnLine(
                seller_id=seller_id, sku_id=sku.id, lot=lot, expiry=line.get("expiry"), expected_qty=line["qty"]
            )
        asn = Asn(
            seller_id=seller_id,
            warehouse_id=wh.id,
            reference=reference,
            transport_mode=mode,
            carrier=data.get("carrier"),
            tracking_number=data.get("tracking_number"),
            container_number=data.get("container_number"),
            expected_at=data.get("expected_at"),
            lines=list(lines.values()),
        )
        session.add(asn)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(M_('ASN %(reference)s already exists for this seller',
                              reference=reference), {"reference": M_('already exists')}) from exc
        for line in asn.lines:
            change_expected(
                session, warehouse_id=wh.id, sku_id=line.sku_id, owner_id=seller_id, delta=line.expected_qty
            )
        return asn


def get_asn(session: Session, actor: Principal, asn_id: int, *, for_update: bool = False) -> Asn:
    # for_update: scans of one ASN take turns (its line counters and unplanned lines).
    return get_visible(session, actor, Asn, asn_id, roles=("admin", "operator", "seller"), what="ASN",
                       seller="seller_id", for_update=for_update)


def list_asns(
    session: Session,
    actor: Principal,
    *,
    status: str | None = None,
    warehouse: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[Asn]:
    actor.require("admin", "operator", "seller")
    stmt = select(Asn).where(
        Asn.id > after_id, actor.seller_filter(Asn.seller_id), actor.warehouse_filter(Asn.warehouse_id)
    )
    if status:
        stmt = stmt.where(Asn.status == status)
    if warehouse:
        stmt = stmt.join(Warehouse, Warehouse.id == Asn.warehouse_id).where(Warehouse.code == warehouse)
    return list(session.scalars(stmt.order_by(Asn.id).limit(limit + 1)))


@dataclass(frozen=True)
class ReceiptWarning:
    code: str
    detail: str


@dataclass(frozen=True)
class Received:
    """What one scan did: the ASN after it, the receipt recorded, and what
    the operator should be told although the units were taken in."""

    asn: Asn
    receipt: Receipt
    warnings: tuple[ReceiptWarning, ...] = ()


def over_receipt_limit(expected_qty: int, tolerance_pct: int) -> int:
    """The most units a line may receive without a confirmation."""
    return expected_qty + expected_qty * tolerance_pct // 100


def _from_gs1(session: Session, seller_id: int, gs1, lot: str | None,
              expiry: date | None) -> tuple[str, str | None, date | None]:
    """The barcode the GTIN is registered under (GTIN-14, -13, UPC-A, -8),
    and the scan's lot and expiry; a lot or expiry typed as well must agree."""
    codes = gs1.barcodes()
    known = set(session.scalars(select(Barcode.code).where(Barcode.seller_id == seller_id, Barcode.code.in_(codes))))
    barcode = next((c for c in codes if c in known), codes[0])
    if lot and gs1.lot and lot.strip() != gs1.lot:
        raise ValidationFailed(lot=f"the barcode says lot {gs1.lot}, not {lot.strip()}")
    if expiry and gs1.expiry and expiry != gs1.expiry:
        raise ValidationFailed(expiry=f"the barcode says expiry {gs1.expiry.isoformat()}, not {expiry.isoformat()}")
    return barcode, (lot or gs1.lot), (expiry or gs1.expiry)


def receive_units(
    session: Session,
    actor: Principal,
    asn_id: int,
    *,
    qty: int,
    condition: str = "good",
    barcode: str | None = None,
    sku: int | str | None = None,
    lot: str | None = None,
    expiry: date | None = None,
    confirm: Sequence[str] = (),
    reason: str | None = None,
) -> Received:
    """One scan at the dock. Good units go to the dock with putaway tasks,
    damaged ones to quarantine.

    Guards, because one slip puts phantom stock on the books: units beyond
    the line's expected quantity plus the seller's tolerance, an item or a
    lot the ASN does not name, each need a confirmation (`confirm`), and an
    over-receipt a reason; an expired lot is refused as good (it may come in
    damaged, with a reason); a lot with less shelf life left than the
    seller's minimum is taken in with a warning."""
    actor.require("admin", "operator")
    if qty <= 0:
        raise ValidationFailed(qty=M_('must be a positive integer'))
    if (barcode is None) == (sku is None):
        raise ValidationFailed(barcode=M_('send either barcode or sku'))
    unknown = sorted(set(confirm) - set(RECEIPT_CONFIRMATIONS))
    if unknown:
        raise ValidationFailed(confirm=M_('unknown confirmation %(value)s', value=f'{unknown[0]!r}'))
    reason = (reason or "").strip() or None
    with transaction(session):
        asn = get_asn(session, actor, asn_id, for_update=True)
        if asn.status not in OPEN_STATUSES:
            raise InvalidState(M_('ASN %(reference)s is %(status)s', reference=asn.reference, status=asn.status))
        scope = Principal(role="seller", seller_id=asn.seller_id)
        if barcode is not None:
            gs1 = read_gs1(barcode)
            if gs1 is not None:
                # One GS1-128 / DataMatrix scan: the item, its lot and its expiry.
                barcode, lot, expiry = _from_gs1(session, asn.seller_id, gs1, lot, expiry)
            # The SKU comes with its seller (joined): no query of its own for the seller.
            item = resolve_barcode(session, scope, barcode, seller_id=asn.seller_id)
            seller = session.get(Seller, asn.seller_id)
        else:
            seller = session.get(Seller, asn.seller_id)
            item = resolve_sku(session, scope, sku, seller_code=seller.code)
        lot_code, expiry = check_lot(session, item, lot, expiry)
        warnings = _check_expiry(session, asn, seller, lot_code, expiry, condition, reason)
        line = _line_for(asn, item.id, lot_code)
        if line is None:
            _confirm_off_asn(asn, item, lot_code, confirm)
            line = AsnLine(seller_id=asn.seller_id, sku_id=item.id, lot=lot_code, expiry=expiry, expected_qty=0)
            asn.lines.append(line)
            session.flush()
        elif line.unplanned:
            _confirm_off_asn(asn, item, lot_code, confirm)
        else:
            _confirm_over_receipt(line, item, qty, seller.over_receipt_tolerance_pct, confirm, reason)
        outstanding_before = line.outstanding
        line.received_qty += qty
        if condition == "damaged":
            line.damaged_qty += qty
        change_expected(
            session,
            warehouse_id=asn.warehouse_id,
            sku_id=item.id,
            owner_id=asn.seller_id,
            delta=line.outstanding - outstanding_before,
        )
        target = station_ref(session, asn.warehouse_id, "dock" if condition == "good" else "quarantine")
        source = virtual_location_ref(session, asn.warehouse_id, "inbound")
        movement = post_movement(
            session,
            warehouse_id=asn.warehouse_id,
            kind="receipt",
            actor=actor,
            reference=f"asn:{asn.reference}",
            lines=[
                PostingLine(source.id, item.id, -qty, lot_code, condition),
                PostingLine(target.id, item.id, qty, lot_code, condition),
            ],
        )
        receipt = Receipt(
            asn_id=asn.id,
            asn_line_id=line.id,
            movement_id=movement.id,
            qty=qty,
            condition=condition,
            over=line.received_qty > line.expected_qty,
            unplanned=line.unplanned,
            reason=reason,
            short_dated=any(w.code == "short_shelf_life" for w in warnings),
            actor_token_id=actor.token_id,
            actor_user_id=actor.user_id,
        )
        session.add(receipt)
        if condition == "good":
            create_putaway_tasks(
                session,
                warehouse_id=asn.warehouse_id,
                dock=target,
                sku=item,
                qty=qty,
                lot=lot_code,
                source_type="asn",
                source_id=asn.id,
            )
        asn.status = "receiving"
        session.flush()
        return Received(asn, receipt, tuple(warnings))


def _warehouse_today(session: Session, warehouse_id: int) -> date:
    tz = session.scalar(select(Warehouse.timezone).where(Warehouse.id == warehouse_id))
    try:
        return utcnow().astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return utcnow().date()


def _check_expiry(session: Session, asn: Asn, seller: Seller, lot: str, expiry: date | None, condition: str,
                  reason: str | None) -> list[ReceiptWarning]:
    if expiry is None:
        return []
    today = _warehouse_today(session, asn.warehouse_id)
    if expiry < today:
        if condition == "good":
            raise Refused(
                "expired_lot",
                M_('lot %(value)s expired on %(value2)s: it cannot be received as good; receive it as damaged, with '
                   'a reason', value=lot or '(none)', value2=expiry.isoformat()),
                expiry=M_('expired on %(value)s', value=expiry.isoformat()),
            )
        if not reason:
            raise ValidationFailed(reason=M_('say why expired lot %(value)s is received (damaged)',
                                             value=lot or '(none)'))
        return []
    left = (expiry - today).days
    if condition == "good" and left < seller.min_shelf_life_days:
        return [ReceiptWarning("short_shelf_life",
                        f"lot {lot or '(none)'} expires on {expiry.isoformat()}: {left} days left, "
                        f"under {seller.code}'s minimum of {seller.min_shelf_life_days}")]
    return []


def _confirm_off_asn(asn: Asn, item: Sku, lot: str, confirm: Sequence[str]) -> None:
    named = [ln for ln in asn.lines if ln.sku_id == item.id and not ln.unplanned]
    if not named:
        if "not_on_asn" not in confirm:
            raise ConfirmationRequired(
                "not_on_asn", M_('%(code)s (%(name)s) is not on ASN %(reference)s: receive it anyway?',
                                 code=item.code, name=item.name, reference=asn.reference))
        return
    if "lot_not_on_asn" not in confirm:
        lots = ", ".join(sorted({ln.lot for ln in named if ln.lot})) or "none"
        raise ConfirmationRequired(
            "lot_not_on_asn",
            M_('lot %(lot)s of %(code)s is not on ASN %(reference)s (it names lot %(lots)s): receive it anyway?',
               lot=lot, code=item.code, reference=asn.reference, lots=lots))


def _confirm_over_receipt(line: AsnLine, item: Sku, qty: int, tolerance_pct: int, confirm: Sequence[str],
                          reason: str | None) -> None:
    limit = over_receipt_limit(line.expected_qty, tolerance_pct)
    after = line.received_qty + qty
    if after <= limit:
        return
    if "over_receipt" not in confirm:
        raise ConfirmationRequired(
            "over_receipt",
            M_('%(qty)s × %(code)s would make %(after)s received against %(expected_qty)s expected (more than '
               '%(tolerance_pct)s%% over): is the quantity right?',
               qty=qty, code=item.code, after=after, expected_qty=line.expected_qty, tolerance_pct=tolerance_pct),
            {"qty": M_('%(after)s of %(expected_qty)s expected', after=after, expected_qty=line.expected_qty),
             "confirm": M_("send confirm: ['over_receipt'] and a reason to go ahead")},
        )
    if not reason:
        raise ValidationFailed(reason=M_('say why %(value)s units over the ASN are received',
                                         value=after - line.expected_qty))


UNDO_WINDOW = timedelta(minutes=10)


def reverse_receipt(session: Session, actor: Principal, asn_id: int, receipt_id: int) -> Receipt:
    """Undo a scan: a new movement takes its units back out to the inbound
    location (the receipt is marked, never edited away), the line's counts
    and the expected stock go back, and its putaway work shrinks. Only the
    person (or token) who scanned it, or an admin, within UNDO_WINDOW, while
    the ASN is open and the units are still where the scan put them."""
    actor.require("admin", "operator")
    with transaction(session):
        asn = get_asn(session, actor, asn_id, for_update=True)
        receipt = session.scalar(select(Receipt).where(Receipt.id == receipt_id, Receipt.asn_id == asn.id)
                                 .with_for_update())
        if receipt is None:
            raise NotFound(M_('receipt not found'))
        mine = (actor.user_id is not None and receipt.actor_user_id == actor.user_id) or \
            (actor.user_id is None and actor.token_id is not None and receipt.actor_token_id == actor.token_id)
        if not (mine or actor.is_admin):
            raise Blocked("not_your_scan", M_('only the person who made a scan (or an admin) can undo it'))
        if receipt.reversed_at is not None:
            raise Blocked("already_undone", M_('this scan was undone at %(reversed_at)s',
                                               reversed_at=f'{receipt.reversed_at:%H:%M}'))
        if asn.status not in OPEN_STATUSES:
            raise InvalidState(M_('ASN %(reference)s is %(status)s', reference=asn.reference, status=asn.status))
        if receipt.created_at < utcnow() - UNDO_WINDOW:
            raise Blocked("undo_expired", M_('a scan can be undone for %(value)s minutes; correct it with a count '
                                             'or an adjustment', value=UNDO_WINDOW.seconds // 60))
        line = session.get(AsnLine, receipt.asn_line_id)
        sku = session.get(Sku, line.sku_id)
        qty = receipt.qty
        where = "dock" if receipt.condition == "good" else "quarantine"
        place = station(session, asn.warehouse_id, where)
        if receipt.condition == "good":
            _shrink_putaway_work(session, asn, line, qty, sku)
        try:
            movement = post_movement(
                session, warehouse_id=asn.warehouse_id, kind="receipt", actor=actor, reason="undo",
                reference=f"asn:{asn.reference}:undo:{receipt.id}",
                lines=[PostingLine(place.id, line.sku_id, -qty, line.lot, receipt.condition),
                       PostingLine(virtual_location(session, asn.warehouse_id, "inbound").id, line.sku_id, qty,
                                   line.lot, receipt.condition)],
            )
        except InsufficientStock as exc:
            raise Blocked("already_moved", M_('the %(qty)s × %(code)s of this scan are no longer all in the '
                                              '%(where)s: they cannot be undone',
                                              qty=qty, code=sku.code, where=where)) from exc
        outstanding_before = line.outstanding
        line.received_qty -= qty
        if receipt.condition == "damaged":
            line.damaged_qty -= qty
        change_expected(session, warehouse_id=asn.warehouse_id, sku_id=line.sku_id, owner_id=asn.seller_id,
                        delta=line.outstanding - outstanding_before)
        receipt.reversed_at = utcnow()
        receipt.reversal_movement_id = movement.id
        session.flush()
        return receipt


def _shrink_putaway_work(session: Session, asn: Asn, line: AsnLine, qty: int, sku: Sku) -> None:
    """Take qty units off the ASN's open putaway tasks of this SKU and lot
    (newest first); refused when fewer are still waiting to be put away."""
    tasks = list(session.scalars(
        select(Task).where(Task.type == "putaway", Task.status == "open", Task.source_type == "asn",
                           Task.source_id == asn.id, Task.sku_id == line.sku_id, Task.lot == line.lot)
        .order_by(Task.id.desc()).with_for_update()))
    if sum(t.qty_open for t in tasks) < qty:
        raise Blocked("already_moved", M_('some of these %(qty)s × %(code)s have been put away: the scan cannot be '
                                          'undone', qty=qty, code=sku.code))
    left = qty
    for task in tasks:
        take = min(left, task.qty_open)
        if take == task.qty_open:
            if task.qty_done:
                task.qty, task.status, task.completed_at = task.qty_done, "done", utcnow()
            else:
                task.status = "cancelled"
        else:
            task.qty -= take
        left -= take
        if not left:
            break


def _line_for(asn: Asn, sku_id: int, lot: str) -> AsnLine | None:
    exact = [ln for ln in asn.lines if ln.sku_id == sku_id and ln.lot == lot]
    if exact:
        return exact[0]
    # A line announced without a lot takes whichever lots arrive for it.
    unnamed = [ln for ln in asn.lines if ln.sku_id == sku_id and ln.lot == ""]
    if unnamed:
        return unnamed[0]
    if not lot:
        # Units scanned without a lot (their SKU does not track lots) count
        # against the SKU's announced lines, whatever lot those name.
        named = [ln for ln in asn.lines if ln.sku_id == sku_id]
        waiting = [ln for ln in named if ln.outstanding]
        return (waiting or named or [None])[0]
    return None


def discrepancies(asn: Asn) -> list[dict]:
    """Lines with a difference or damage: expected, received (good and
    damaged), damaged, short and over."""
    report = []
    for line in asn.lines:
        short = max(0, line.expected_qty - line.received_qty)
        over = max(0, line.received_qty - line.expected_qty)
        if short or over or line.damaged_qty:
            report.append(
                {
                    "sku_id": line.sku_id,
                    "lot": line.lot or None,
                    "expected_qty": line.expected_qty,
                    "received_qty": line.received_qty,
                    "damaged_qty": line.damaged_qty,
                    "short_qty": short,
                    "over_qty": over,
                    "unplanned": line.unplanned,
                }
            )
    return report


def close_asn(session: Session, actor: Principal, asn_id: int) -> Asn:
    """Close receiving; what was not received stops counting as expected."""
    actor.require("admin", "operator")
    with transaction(session):
        asn = get_asn(session, actor, asn_id, for_update=True)
        if asn.status not in OPEN_STATUSES:
            raise InvalidState(M_('ASN %(reference)s is %(status)s', reference=asn.reference, status=asn.status))
        _drop_expected(session, asn)
        asn.status = "closed"
        asn.closed_at = utcnow()
        session.flush()
        return asn


def cancel_asn(session: Session, actor: Principal, asn_id: int) -> Asn:
    """Cancel a shipment that has not started receiving."""
    actor.require("admin", "seller")
    with transaction(session):
        asn = get_asn(session, actor, asn_id, for_update=True)
        if asn.status != "expected":
            raise InvalidState(M_('ASN %(reference)s is %(status)s; only an expected ASN can be cancelled',
                                  reference=asn.reference, status=asn.status))
        _drop_expected(session, asn)
        asn.status = "cancelled"
        asn.closed_at = utcnow()
        session.flush()
        return asn


def _drop_expected(session: Session, asn: Asn) -> None:
    for line in asn.lines:
        change_expected(
            session, warehouse_id=asn.warehouse_id, sku_id=line.sku_id, owner_id=asn.seller_id, delta=-line.outstanding
        )
