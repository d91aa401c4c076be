"""Blind cycle counts. A count task names locations; the counter reports
what is there without seeing the system quantities; variances within the
approval threshold post at once as `count` adjustments, larger ones wait for
an admin's approval (or rejection)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wms.auth.lookup import get_visible
from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.catalog.services import resolve_sku
from wms.db import transaction, utcnow
from wms.errors import InvalidState, ValidationFailed
from wms.facility.services import get_location, resolve_warehouse, virtual_location
from wms.inventory.models import Count, CountLine, CountLocation, Task
from wms.ledger.models import Balance
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement
from wms.messages import M_


def create_count(session: Session, actor: Principal, *, warehouse: str, locations: list[str],
                 note: str | None = None) -> Count:
    actor.require("admin", "operator")
    if len(set(locations)) != len(locations):
        raise ValidationFailed(locations=M_('lists a location twice'))
    with transaction(session):
        wh = resolve_warehouse(session, actor, warehouse)
        locs = [get_location(session, wh.id, code, field=f"locations.{i}") for i, code in enumerate(locations)]
        count = Count(warehouse_id=wh.id, note=note, locations=[CountLocation(location_id=loc.id) for loc in locs])
        session.add(count)
        session.flush()
        return count


def raise_count(session: Session, *, warehouse_id: int, location_id: int, sku_id: int, owner_id: int, lot: str,
                qty: int, source_type: str, source_id: int, note: str) -> Count:
    """Another area found a bin's count wrong (a short pick): a count task for
    the bin, and a blind cycle count of it to do the job. Submitting the
    count posts the variance and closes the task."""
    with transaction(session):
        session.add(Task(warehouse_id=warehouse_id, type="count", owner_id=owner_id, sku_id=sku_id, lot=lot, qty=qty,
                         from_location_id=location_id, source_type=source_type, source_id=source_id))
        count = Count(warehouse_id=warehouse_id, note=note, locations=[CountLocation(location_id=location_id)])
        session.add(count)
        session.flush()
        return count


def get_count(session: Session, actor: Principal, count_id: int, *, for_update: bool = False) -> Count:
    return get_visible(session, actor, Count, count_id, roles=("admin", "operator"), what="count",
                       for_update=for_update)


def submit_count(session: Session, actor: Principal, count_id: int, *, lines: list[dict],
                 approval_threshold: int) -> Count:
    """Record what was counted. Anything the system holds in a counted
    location that the counter did not report was counted as zero."""
    actor.require("admin", "operator")
    with transaction(session):
        count = get_count(session, actor, count_id, for_update=True)
        if count.status != "open":
            raise InvalidState(M_('count %(id)s is %(status)s', id=count.id, status=count.status))
        loc_ids = {cl.location_id for cl in count.locations}
        # Keyed by condition too: damaged units in quarantine are counted as
        # damaged, and must not read as missing good ones (or vice versa).
        counted: dict[tuple[int, int, str, str], int] = {}
        for i, line in enumerate(lines):
            loc = get_location(session, count.warehouse_id, line["location"], field=f"lines.{i}.location")
            if loc.id not in loc_ids:
                raise ValidationFailed(errors={f"lines.{i}.location": M_('%(code)s is not part of this count',
                                                                         code=loc.code)})
            sku = resolve_sku(session, actor, line["sku"], seller_code=line.get("seller"), field=f"lines.{i}.sku")
            key = (loc.id, sku.id, line.get("lot") or "", line.get("condition") or "good")
            if key in counted:
                raise ValidationFailed(errors={f"lines.{i}": M_('this location, SKU, lot and condition are counted '
                                                                'twice')})
            counted[key] = line["counted_qty"]
        system = {
            (loc_id, sku_id, lot, condition): qty
            for loc_id, sku_id, lot, condition, qty in session.execute(
                select(Balance.location_id, Balance.sku_id, Balance.lot, Balance.condition, Balance.qty)
                .where(Balance.location_id.in_(loc_ids), Balance.qty != 0)
            )
        }
        owners = dict(session.execute(select(Sku.id, Sku.seller_id).where(
            Sku.id.in_({k[1] for k in set(counted) | set(system)}))).all())
        adjustment = virtual_location(session, count.warehouse_id, "adjustment")
        postings = []
        for key in sorted(set(counted) | set(system)):
            loc_id, sku_id, lot, condition = key
            found, held = counted.get(key, 0), system.get(key, 0)
            variance = found - held
            status = "no_variance" if variance == 0 else ("pending" if abs(variance) > approval_threshold else "posted")
            count.lines.append(CountLine(location_id=loc_id, owner_id=owners[sku_id], sku_id=sku_id, lot=lot,
                                         condition=condition, system_qty=held, counted_qty=found, status=status))
            if status == "posted":
                postings += [PostingLine(loc_id, sku_id, variance, lot, condition),
                             PostingLine(adjustment.id, sku_id, -variance, lot, condition)]
        session.flush()
        if postings:
            movement = post_movement(session, warehouse_id=count.warehouse_id, kind="count", reason="count",
                                     actor=actor, reference=f"count:{count.id}", lines=postings)
            for line in count.lines:
                if line.status == "posted":
                    line.movement_id = movement.id
        # Count tasks raised for these bins (a short pick) are done now.
        session.execute(
            update(Task.__table__)
            .where(Task.__table__.c.type == "count", Task.__table__.c.status == "open",
                   Task.__table__.c.from_location_id.in_(loc_ids))
            .values(status="done", completed_at=utcnow())
        )
        count.submitted_at = utcnow()
        count.status = "pending_approval" if any(ln.status == "pending" for ln in count.lines) else "done"
        session.flush()
        return count


def approve_count(session: Session, actor: Principal, count_id: int, *, approve: bool = True) -> Count:
    """An admin posts (or rejects) the variances that were too large to post
    on submission. The variance posts as counted, relative to the stock now."""
    actor.require("admin")
    with transaction(session):
        count = get_count(session, actor, count_id, for_update=True)
        if count.status != "pending_approval":
            raise InvalidState(M_('count %(id)s is %(status)s', id=count.id, status=count.status))
        pending = [ln for ln in count.lines if ln.status == "pending"]
        if approve:
            adjustment = virtual_location(session, count.warehouse_id, "adjustment")
            postings = []
            for ln in pending:
                postings += [PostingLine(ln.location_id, ln.sku_id, ln.variance, ln.lot, ln.condition),
                             PostingLine(adjustment.id, ln.sku_id, -ln.variance, ln.lot, ln.condition)]
            movement = post_movement(session, warehouse_id=count.warehouse_id, kind="count", reason="count",
                                     actor=actor, reference=f"count:{count.id}", note="approved variance",
                                     lines=postings)
            for ln in pending:
                ln.status, ln.movement_id = "posted", movement.id
        else:
            for ln in pending:
                ln.status = "rejected"
        count.status = "done"
        count.approved_at = utcnow()
        count.approved_by_token_id = actor.token_id
        count.approved_by_user_id = actor.user_id
        session.flush()
        return count


def list_counts(session: Session, actor: Principal, *, status: str | None = None, after_id: int = 0,
                limit: int = 50, warehouse_id: int | None = None) -> list[Count]:
    """Counts in id order after `after_id` (limit + 1 of them: one more says
    there is a next page), filtered in the query, so every page is full."""
    actor.require("admin", "operator")
    stmt = select(Count).where(Count.id > after_id, actor.warehouse_filter(Count.warehouse_id))
    if status:
        stmt = stmt.where(Count.status == status)
    if warehouse_id is not None:
        stmt = stmt.where(Count.warehouse_id == warehouse_id)
    return list(session.scalars(stmt.order_by(Count.id).limit(limit + 1)))
