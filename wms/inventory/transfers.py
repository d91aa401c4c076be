"""Transfers between warehouses: stock leaves the source bins into the
destination's in-transit virtual location (shown as `in_transit` there) and
is received at the destination dock with putaway tasks; what does not
arrive is written off and reported short."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Lot, Sku
from wms.catalog.services import resolve_sku
from wms.db import transaction, utcnow
from wms.errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from wms.facility.models import Location, Warehouse
from wms.facility.services import resolve_warehouse, station, virtual_location
from wms.inventory.models import Transfer, TransferLine
from wms.inventory.tasks import create_putaway_tasks
from wms.ledger.models import Balance
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement
from wms.messages import M_


def pick_bins(session: Session, warehouse_id: int, sku: Sku, qty: int) -> list[tuple[int, str, int]]:
    """(location_id, lot, qty) to take qty good units of a SKU from storage:
    first-expiry-first-out for lots with an expiry, then the fullest bins
    (fewest locations)."""
    rows = session.execute(
        select(Balance.location_id, Balance.lot, Balance.qty, Lot.expiry)
        .join(Location, Location.id == Balance.location_id)
        .outerjoin(Lot, (Lot.sku_id == Balance.sku_id) & (Lot.lot == Balance.lot))
        .where(
            Balance.warehouse_id == warehouse_id,
            Balance.sku_id == sku.id,
            Balance.condition == "good",
            Location.kind == "storage",
            Balance.qty > 0,
        )
    ).all()
    rows.sort(key=lambda r: (r.expiry is None, r.expiry or 0, -r.qty, r.location_id))
    picks, left = [], qty
    for loc_id, lot, on_hand, _expiry in rows:
        if left == 0:
            break
        take = min(on_hand, left)
        picks.append((loc_id, lot, take))
        left -= take
    if left:
        raise InsufficientStock(M_('only %(value)s units of %(code)s are in storage, %(qty)s asked',
                                   value=qty - left, code=sku.code, qty=qty))
    return picks


def create_transfer(
    session: Session,
    actor: Principal,
    *,
    from_warehouse: str,
    to_warehouse: str,
    lines: list[dict],
    reference: str | None = None,
) -> Transfer:
    actor.require("admin", "operator", "seller")
    if from_warehouse == to_warehouse:
        raise ValidationFailed(to_warehouse=M_('must differ from from_warehouse'))
    with transaction(session):
        src = resolve_warehouse(session, actor, from_warehouse, field="from_warehouse")
        dst = session.scalar(select(Warehouse).where(Warehouse.code == to_warehouse))
        if dst is None:
            raise ValidationFailed(to_warehouse=M_('unknown warehouse %(to_warehouse)s',
                                                   to_warehouse=f'{to_warehouse!r}'))
        in_transit = virtual_location(session, dst.id, "in_transit")
        postings, transfer_lines = [], []
        wanted: dict[int, int] = defaultdict(int)
        skus: dict[int, Sku] = {}
        for i, line in enumerate(lines):
            sku = resolve_sku(session, actor, line["sku"], seller_code=line.get("seller"), field=f"lines.{i}.sku")
            wanted[sku.id] += line["qty"]
            skus[sku.id] = sku
        for sku_id, qty in wanted.items():
            by_lot: dict[str, int] = defaultdict(int)
            for loc_id, lot, take in pick_bins(session, src.id, skus[sku_id], qty):
                postings += [PostingLine(loc_id, sku_id, -take, lot), PostingLine(in_transit.id, sku_id, take, lot)]
                by_lot[lot] += take
            transfer_lines += [
                TransferLine(owner_id=skus[sku_id].seller_id, sku_id=sku_id, lot=lot, qty=q)
                for lot, q in by_lot.items()
            ]
        transfer = Transfer(from_warehouse_id=src.id, to_warehouse_id=dst.id, reference=reference, lines=transfer_lines)
        session.add(transfer)
        session.flush()
        movement = post_movement(
            session,
            warehouse_id=src.id,
            kind="transfer_out",
            actor=actor,
            reference=f"transfer:{transfer.id}",
            lines=postings,
        )
        transfer.out_movement_id = movement.id
        session.flush()
        return transfer


def get_transfer(session: Session, actor: Principal, transfer_id: int, *, for_update: bool = False) -> Transfer:
    actor.require("admin", "operator", "seller")
    stmt = select(Transfer).where(Transfer.id == transfer_id)
    if for_update:
        stmt = stmt.with_for_update()
    transfer = session.scalar(stmt)
    if transfer is None:
        raise NotFound(M_('transfer not found'))
    if actor.role == "operator" and not (
        actor.can_see_warehouse(transfer.from_warehouse_id) or actor.can_see_warehouse(transfer.to_warehouse_id)
    ):
        raise NotFound(M_('transfer not found'))
    if actor.role == "seller" and any(line.owner_id != actor.seller_id for line in transfer.lines):
        raise NotFound(M_('transfer not found'))
    return transfer


def receive_transfer(
    session: Session, actor: Principal, transfer_id: int, *, lines: list[dict] | None = None
) -> Transfer:
    """Receive at the destination dock; lines give the units that arrived per
    SKU (all of them when omitted). Missing units are written off as lost."""
    actor.require("admin", "operator")
    with transaction(session):
        transfer = get_transfer(session, actor, transfer_id, for_update=True)
        if not actor.can_see_warehouse(transfer.to_warehouse_id):
            raise NotFound(M_('transfer not found'))
        if transfer.status != "in_transit":
            raise InvalidState(M_('transfer %(id)s is %(status)s', id=transfer.id, status=transfer.status))
        shipped: dict[int, int] = defaultdict(int)
        for tl in transfer.lines:
            shipped[tl.sku_id] += tl.qty
        arrived = dict(shipped)
        if lines is not None:
            arrived = {sku_id: 0 for sku_id in shipped}
            for i, line in enumerate(lines):
                sku = resolve_sku(session, actor, line["sku"], seller_code=line.get("seller"), field=f"lines.{i}.sku")
                if sku.id not in shipped:
                    raise ValidationFailed(errors={f"lines.{i}.sku": M_('%(code)s is not on this transfer',
                                                                        code=sku.code)})
                arrived[sku.id] += line["qty"]
                if arrived[sku.id] > shipped[sku.id]:
                    raise ValidationFailed(errors={f"lines.{i}.qty": M_('more than the %(value)s units shipped',
                                                                        value=shipped[sku.id])})
        dst = transfer.to_warehouse_id
        dock = station(session, dst, "dock")
        in_transit = virtual_location(session, dst, "in_transit")
        lost = virtual_location(session, dst, "adjustment")
        postings = []
        left = dict(arrived)
        for tl in transfer.lines:  # earliest lots arrive first
            got = min(tl.qty, left[tl.sku_id])
            left[tl.sku_id] -= got
            tl.received_qty = got
            postings.append(PostingLine(in_transit.id, tl.sku_id, -tl.qty, tl.lot))
            if got:
                postings.append(PostingLine(dock.id, tl.sku_id, got, tl.lot))
            if tl.qty - got:
                postings.append(PostingLine(lost.id, tl.sku_id, tl.qty - got, tl.lot))
        movement = post_movement(
            session,
            warehouse_id=dst,
            kind="transfer_in",
            actor=actor,
            reference=f"transfer:{transfer.id}",
            lines=postings,
            note="short units written off as lost in transit" if arrived != shipped else None,
        )
        for tl in transfer.lines:
            if tl.received_qty:
                create_putaway_tasks(
                    session,
                    warehouse_id=dst,
                    dock=dock,
                    sku=session.get(Sku, tl.sku_id),
                    qty=tl.received_qty,
                    lot=tl.lot,
                    source_type="transfer",
                    source_id=transfer.id,
                )
        transfer.in_movement_id = movement.id
        transfer.status = "received"
        transfer.received_at = utcnow()
        session.flush()
        return transfer


def list_transfers(
    session: Session, actor: Principal, *, status: str | None = None, after_id: int = 0, limit: int = 50
) -> list[Transfer]:
    actor.require("admin", "operator", "seller")
    stmt = select(Transfer).where(Transfer.id > after_id)
    if actor.role == "operator":
        stmt = stmt.where(
            actor.warehouse_filter(Transfer.from_warehouse_id) | actor.warehouse_filter(Transfer.to_warehouse_id)
        )
    if actor.role == "seller":
        stmt = stmt.where(
            ~select(TransferLine.id)
            .where(TransferLine.transfer_id == Transfer.id, TransferLine.owner_id != actor.seller_id)
            .exists()
        )
    if status:
        stmt = stmt.where(Transfer.status == status)
    return list(session.scalars(stmt.order_by(Transfer.id).limit(limit + 1)))
