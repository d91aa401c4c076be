"""Warehouse tasks: putaway suggestions (plan_putaway_for: the SKU's homes
in the current slotting plan first, via wms.inventory.hooks, then the
capacity rule), listing tasks, and completing them with a ledger movement."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, false, func, literal, or_, select, union_all, update
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.db import UTCDateTime, codes_of, transaction, utcnow
from wms.errors import ConfirmationRequired, InvalidState, NotFound, Refused, ValidationFailed
from wms.facility.models import Location
from wms.facility.services import get_warehouse, location_ref, storage_bins_by_distance
from wms.inventory.hooks import committed, homes_for
from wms.inventory.models import TASK_STATUSES, TASK_TYPES, Task
from wms.inventory.rules import Bin, Unit, fits, plan_putaway, units_that_fit
from wms.ledger.models import Balance
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement
from wms.messages import M_

_BinRow = tuple[int, int, int | None, int | None]  # location id, distance, max volume, max weight


def _bins_by_distance(session: Session, warehouse_id: int, dock) -> tuple[list[_BinRow], dict[int, _BinRow]]:
    """The warehouse's storage bins nearest the dock first, and by id (kept
    per process by the facility area: the layout does not change between scans)."""
    return storage_bins_by_distance(session, warehouse_id, dock)


_VOLUME = Sku.length_mm * Sku.width_mm * Sku.height_mm
# Free bins are looked for among the nearest storage bins first, in growing
# batches, so that a scan reads what is near the dock rather than the
# occupancy of the whole warehouse.
_FIRST_BATCH = 32
_BATCH_GROWTH = 4


def _occupancy(
    session: Session, warehouse_id: int, location_ids: list[int], *, holding_sku: int | None = None
) -> dict[int, tuple[int, int, set[int]]]:
    """Per location: (volume used, weight used, SKUs held or promised by open
    tasks), for these locations and, with holding_sku, every location that
    holds or is promised that SKU. One statement, on indexed keys (balances
    by location or by warehouse and SKU, open tasks by warehouse)."""
    used: dict[int, tuple[int, int, set[int]]] = {}
    b, t = Balance, Task

    def wanted(column):
        conditions = [column.in_(location_ids)] if location_ids else []
        if holding_sku is not None:
            conditions.append(column.in_(
                select(b.location_id).where(b.warehouse_id == warehouse_id, b.sku_id == holding_sku, b.qty > 0,
                                            b.is_virtual.is_(False))))
            conditions.append(column.in_(
                select(t.suggested_location_id).where(t.warehouse_id == warehouse_id, t.status == "open",
                                                      t.sku_id == holding_sku, t.suggested_location_id.is_not(None))))
        return or_(*conditions) if conditions else false()

    held = (
        select(b.location_id, b.sku_id, b.qty, _VOLUME, Sku.weight_g)
        .join(Sku, Sku.id == b.sku_id)
        .where(b.warehouse_id == warehouse_id, b.is_virtual.is_(False), b.qty > 0, wanted(b.location_id))
    )
    promised = (
        select(t.suggested_location_id, t.sku_id, t.qty - t.qty_done, _VOLUME, Sku.weight_g)
        .join(Sku, Sku.id == t.sku_id)
        .where(t.warehouse_id == warehouse_id, t.status == "open", t.suggested_location_id.is_not(None),
               wanted(t.suggested_location_id))
    )
    for loc_id, sku_id, qty, vol, wt in session.execute(union_all(held, promised)):
        v, w, skus = used.get(loc_id, (0, 0, set()))
        skus.add(sku_id)
        used[loc_id] = (v + qty * vol, w + qty * wt, skus)
    return used


def plan_putaway_for(session: Session, warehouse_id: int, dock: Location, sku: Sku, qty: int):
    """[(location_id or None, qty)]: where qty units of sku arriving at the
    dock should be stored. Reads the bins that hold (or are promised) the
    SKU and the nearest storage bins until the free ones among them can take
    every unit: its cost follows the work, not the warehouse's size."""
    unit = Unit(sku.id, sku.volume_mm3, sku.weight_g)
    ordered, by_id = _bins_by_distance(session, warehouse_id, dock)
    homes = [loc for loc in homes_for(session, warehouse_id, sku.id) if loc in by_id]
    bins: list[Bin] = []
    free_room = 0
    start, size, first = 0, _FIRST_BATCH, True
    while start < len(ordered) and (first or free_room < qty):
        batch = ordered[start:start + size]
        used = _occupancy(session, warehouse_id, [loc_id for loc_id, *_ in batch],
                          holding_sku=sku.id if first else None)
        if first:
            for loc_id, (v, w, skus) in used.items():
                if sku.id in skus and loc_id in by_id:
                    _id, dist, vol, wt = by_id[loc_id]
                    bins.append(Bin(loc_id, dist, vol, wt, v, w, frozenset(skus)))
        for loc_id, dist, vol, wt in batch:
            if free_room >= qty:
                break
            if loc_id in used or loc_id in homes:
                continue
            b = Bin(loc_id, dist, vol, wt, 0, 0, frozenset())
            bins.append(b)
            # Free bins come in distance order: once the nearest of them can
            # take every unit, farther ones cannot be chosen.
            room = units_that_fit(b, unit)
            free_room = qty if room is None else free_room + room
        start, size, first = start + size, size * _BATCH_GROWTH, False
    if homes:  # the SKU's homes in the current slotting plan come first
        seen = {b.location_id for b in bins}
        used = _occupancy(session, warehouse_id, homes)
        for loc_id in homes:
            if loc_id not in seen:
                v, w, skus = used.get(loc_id, (0, 0, set()))
                _id, dist, vol, wt = by_id[loc_id]
                bins.append(Bin(loc_id, dist, vol, wt, v, w, frozenset(skus)))
    return plan_putaway(bins, unit, qty, homes)


def create_putaway_tasks(
    session: Session, *, warehouse_id: int, dock: Location, sku: Sku, qty: int, lot: str,
    source_type: str, source_id: int,
) -> list[Task]:
    with transaction(session):
        tasks = [
            Task(
                warehouse_id=warehouse_id, type="putaway", owner_id=sku.seller_id, sku_id=sku.id, lot=lot,
                qty=q, from_location_id=dock.id, suggested_location_id=loc_id,
                source_type=source_type, source_id=source_id,
            )
            for loc_id, q in plan_putaway_for(session, warehouse_id, dock, sku, qty)
        ]
        session.add_all(tasks)
        session.flush()
        return tasks


def get_task(session: Session, actor: Principal, task_id: int) -> Task:
    actor.require("admin", "operator")
    task = session.get(Task, task_id)
    if task is None or not actor.can_see_warehouse(task.warehouse_id):
        raise NotFound(M_('task not found'))
    return task


def list_tasks(
    session: Session, actor: Principal, *, warehouse: str | None = None, type: str | None = None,
    status: str | None = None, after_id: int = 0, limit: int = 50,
) -> list[Task]:
    actor.require("admin", "operator")
    stmt = select(Task).where(Task.id > after_id, actor.warehouse_filter(Task.warehouse_id))
    if warehouse:
        stmt = stmt.where(Task.warehouse_id == get_warehouse(session, actor, warehouse).id)
    if type:
        if type not in TASK_TYPES:
            raise ValidationFailed(type=M_('must be one of %(value)s', value=', '.join(TASK_TYPES)))
        stmt = stmt.where(Task.type == type)
    if status:
        if status not in TASK_STATUSES:
            raise ValidationFailed(status=f"must be one of {', '.join(TASK_STATUSES)}")
        stmt = stmt.where(Task.status == status)
    return list(session.scalars(stmt.order_by(Task.id).limit(limit + 1)))


# Why a putaway went to another bin than the suggested one.
OTHER_BIN_REASONS = ("bin_full", "blocked", "damaged", "other")


def complete_task(session: Session, actor: Principal, task_id: int, *, location: str, qty: int,
                  confirm: Sequence[str] = (), reason: str | None = None) -> Task:
    """Move qty units of a putaway or move task from its source to the scanned
    location (the suggestion or any storage location the units fit in).
    A partial completion leaves the rest of the task open.

    Another bin than the suggested one is the commonest putaway slip (the
    neighbouring bin): it needs `confirm: ["other_bin"]` and a reason
    (OTHER_BIN_REASONS), recorded on the movement. A bin that cannot take the
    units (capacity, another SKU already in it or promised to it) is refused."""
    actor.require("admin", "operator")
    if qty <= 0:
        raise ValidationFailed(qty=M_('must be a positive integer'))
    if reason is not None and reason not in OTHER_BIN_REASONS:
        raise ValidationFailed(reason=M_('must be one of %(value)s', value=', '.join(OTHER_BIN_REASONS)))
    with transaction(session):
        task = get_task(session, actor, task_id)
        if task.type not in ("putaway", "move"):
            raise InvalidState(M_('a %(type)s task is not completed by a move', type=task.type))
        if task.status != "open":
            raise InvalidState(M_('task %(id)s is %(status)s', id=task.id, status=task.status))
        if qty > task.qty_open:
            raise ValidationFailed(qty=M_('only %(qty_open)s units of this task are open', qty_open=task.qty_open))
        target = location_ref(session, task.warehouse_id, location)
        if target.kind != "storage":
            raise ValidationFailed(location=M_('%(location)s is a %(kind)s location, not storage',
                                               location=location, kind=target.kind))
        sku = session.get(Sku, task.sku_id, options=[lazyload(Sku.barcodes)])
        used = _occupancy(session, task.warehouse_id, [target.id]).get(target.id, (0, 0, set()))
        # The units of this task promised to the target do not count twice.
        promised = task.qty_open if task.suggested_location_id == target.id else 0
        b = Bin(target.id, 0, target.max_volume_mm3, target.max_weight_g,
                used[0] - promised * sku.volume_mm3, used[1] - promised * sku.weight_g)
        others = used[2] - {sku.id}
        if others and task.type == "putaway":  # a re-slotting move may pass through a bin being emptied
            codes = ", ".join(sorted(session.scalars(select(Sku.code).where(Sku.id.in_(others)))))
            raise Refused("mixed_sku", M_('%(code)s holds or expects %(codes)s: one SKU per bin, choose another bin '
                                          'for %(code2)s',
                                          code=target.code, codes=codes, code2=sku.code),
                                          location=M_('%(code)s holds %(codes)s', code=target.code, codes=codes))
        if not fits(b, Unit(sku.id, sku.volume_mm3, sku.weight_g), qty):
            raise Refused("bin_too_small", M_('%(qty)s × %(code)s do not fit in %(code2)s: it is too full (volume '
                                              'or weight)',
                                              qty=qty, code=sku.code, code2=target.code),
                                              location=M_('%(qty)s × %(code)s do not fit', qty=qty, code=sku.code))
        suggested = task.suggested_location_id
        moved_elsewhere = task.type == "putaway" and suggested is not None and suggested != target.id
        if moved_elsewhere:
            suggested_code = codes_of(session, Location, [suggested])[suggested]
            if "other_bin" not in confirm:
                raise ConfirmationRequired(
                    "other_bin", M_('this task goes to %(suggested_code)s, not %(code)s: put it in %(code)s anyway?',
                                    suggested_code=suggested_code, code=target.code),
                    {"location": M_('suggested %(suggested_code)s', suggested_code=suggested_code),
                     "confirm": M_("send confirm: ['other_bin'] and a reason (%(value)s)",
                                   value=', '.join(OTHER_BIN_REASONS))})
            if reason is None:
                raise ValidationFailed(reason=M_('say why not %(suggested_code)s: %(value)s',
                                                 suggested_code=suggested_code, value=', '.join(OTHER_BIN_REASONS)))
        if task.type == "move":
            free = (session.scalar(select(func.coalesce(func.sum(Balance.qty), 0)).where(
                Balance.location_id == task.from_location_id, Balance.sku_id == task.sku_id,
                Balance.lot == task.lot, Balance.condition == task.condition))
                - committed(session, task.warehouse_id).get((task.from_location_id, task.sku_id, task.lot), 0))
            if qty > free:
                raise InvalidState(M_('only %(value)s units of %(code)s in the source are free to move (open picks '
                                      'need the rest)', value=max(0, free), code=sku.code))
        # Guarded, and done in the same statement when this was the rest of it;
        # the task as the caller gets it is what the statement returns.
        t = Task.__table__
        finished = t.c.qty_done + qty == t.c.qty
        claimed = session.execute(
            update(t)
            .where(t.c.id == task.id, t.c.status == "open", t.c.qty_done + qty <= t.c.qty)
            .values(qty_done=t.c.qty_done + qty,
                    status=case((finished, "done"), else_=t.c.status),
                    completed_at=case((finished, literal(utcnow(), UTCDateTime)), else_=t.c.completed_at))
            .returning(t.c.qty, t.c.qty_done, t.c.status, t.c.completed_at)
        ).one_or_none()
        if claimed is None:
            raise InvalidState(M_('task %(id)s changed meanwhile; reload it', id=task.id))
        post_movement(
            session, warehouse_id=task.warehouse_id, kind=task.type, actor=actor,
            reference=f"task:{task.id}",
            reason=reason if moved_elsewhere else None,
            note=f"suggested {suggested_code}" if moved_elsewhere else None,
            lines=[
                PostingLine(task.from_location_id, task.sku_id, -qty, task.lot, task.condition),
                PostingLine(target.id, task.sku_id, qty, task.lot, task.condition),
            ],
        )
        for name in ("qty", "qty_done", "status", "completed_at"):
            set_committed_value(task, name, getattr(claimed, name))
        return task

