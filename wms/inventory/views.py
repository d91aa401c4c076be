"""How the API and the screens show inventory's objects (movements, tasks,
transfers, counts). Each function builds a whole page at once: the codes its
rows refer to are read in one query per kind, whatever the number of rows."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from wms import cache
from wms.catalog.models import Seller, Sku
from wms.db import codes_of
from wms.facility.models import Location, Warehouse
from wms.inventory.models import Count, Task, Transfer
from wms.ledger.models import Movement, Posting

_sku_codes = cache.Cache("sku-and-seller-codes", maxsize=100_000)


def _sku_and_seller_codes(session: Session, sku_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(SKU code, seller code) per SKU: codes never change, so they are kept per process."""
    db = cache.database_of(session)
    found, missing = {}, set()
    for sku_id in sku_ids:
        codes = _sku_codes.get((db, sku_id))
        if codes is cache.MISSING:
            missing.add(sku_id)
        else:
            found[sku_id] = codes
    if missing:
        for sku_id, code, seller in session.execute(
            select(Sku.id, Sku.code, Seller.code).join(Seller, Seller.id == Sku.seller_id).where(Sku.id.in_(missing))
        ):
            found[sku_id] = (code, seller)
            _sku_codes.put(session, (db, sku_id), (code, seller))
    return found


def movement_views(session: Session, movements: list[Movement], *, posting_scope=None) -> list[dict]:
    """Movements with their postings (those within posting_scope, a filter on
    Posting; all of them by default)."""
    if not movements:
        return []
    rows = session.execute(
        select(Posting, Location.code, Seller.code, Sku.code)
        .join(Location, Location.id == Posting.location_id)
        .join(Sku, Sku.id == Posting.sku_id)
        .join(Seller, Seller.id == Posting.owner_id)
        .where(Posting.movement_id.in_([m.id for m in movements]), true() if posting_scope is None else posting_scope)
        .order_by(Posting.id)
    ).all()
    postings: dict[int, list[dict]] = defaultdict(list)
    for p, location, seller, sku in rows:
        postings[p.movement_id].append({
            "location": location, "seller": seller, "sku": sku, "sku_id": p.sku_id, "lot": p.lot or None,
            "condition": p.condition, "qty": p.qty,
        })
    return [
        {"id": m.id, "kind": m.kind, "created_at": m.created_at, "reference": m.reference, "reason": m.reason,
         "note": m.note, "postings": postings[m.id]}
        for m in movements
    ]


def movement_view(session: Session, movement: Movement) -> dict:
    """A movement as the API shows it, with every posting."""
    return movement_views(session, [movement])[0]


def task_views(session: Session, tasks: list[Task]) -> list[dict]:
    """Tasks as the API shows them, with codes instead of ids (three queries at most)."""
    codes = codes_of(session, Location, {t.from_location_id for t in tasks} | {t.suggested_location_id for t in tasks})
    skus = _sku_and_seller_codes(session, {t.sku_id for t in tasks})
    whs = codes_of(session, Warehouse, {t.warehouse_id for t in tasks})
    return [
        {
            "id": t.id, "type": t.type, "status": t.status, "warehouse": whs[t.warehouse_id],
            "sku": skus[t.sku_id][0], "sku_id": t.sku_id, "seller": skus[t.sku_id][1], "lot": t.lot or None,
            "condition": t.condition, "qty": t.qty, "qty_done": t.qty_done, "qty_open": t.qty_open,
            "from_location": codes[t.from_location_id],
            "suggested_location": codes.get(t.suggested_location_id) if t.suggested_location_id else None,
            "source_type": t.source_type, "source_id": t.source_id,
            "created_at": t.created_at, "completed_at": t.completed_at,
        }
        for t in tasks
    ]




def task_view(session: Session, task: Task) -> dict:
    return task_views(session, [task])[0]


def transfer_views(session: Session, transfers: list[Transfer]) -> list[dict]:
    whs = codes_of(session, Warehouse, {w for t in transfers for w in (t.from_warehouse_id, t.to_warehouse_id)})
    skus = _sku_and_seller_codes(session, {tl.sku_id for t in transfers for tl in t.lines})
    return [
        {
            "id": transfer.id,
            "status": transfer.status,
            "reference": transfer.reference,
            "from_warehouse": whs[transfer.from_warehouse_id],
            "to_warehouse": whs[transfer.to_warehouse_id],
            "created_at": transfer.created_at,
            "received_at": transfer.received_at,
            "lines": [
                {
                    "sku": skus[tl.sku_id][0],
                    "sku_id": tl.sku_id,
                    "seller": skus[tl.sku_id][1],
                    "lot": tl.lot or None,
                    "qty": tl.qty,
                    "received_qty": tl.received_qty,
                    "short_qty": None if tl.received_qty is None else tl.qty - tl.received_qty,
                }
                for tl in transfer.lines
            ],
        }
        for transfer in transfers
    ]


def transfer_view(session: Session, transfer: Transfer) -> dict:
    return transfer_views(session, [transfer])[0]


def count_views(session: Session, counts: list[Count]) -> list[dict]:
    """While open a count is blind: it lists locations, not quantities."""
    codes = codes_of(session, Location, {cl.location_id for c in counts for cl in c.locations}
                     | {ln.location_id for c in counts for ln in c.lines})
    skus = codes_of(session, Sku, {ln.sku_id for c in counts for ln in c.lines})
    whs = codes_of(session, Warehouse, {c.warehouse_id for c in counts})
    return [
        {
            "id": count.id, "status": count.status, "warehouse": whs[count.warehouse_id],
            "locations": [codes[cl.location_id] for cl in count.locations], "note": count.note,
            "created_at": count.created_at, "submitted_at": count.submitted_at, "approved_at": count.approved_at,
            "variances": [
                {"line_id": ln.id, "location": codes[ln.location_id], "sku": skus[ln.sku_id], "sku_id": ln.sku_id,
                 "lot": ln.lot or None, "condition": ln.condition, "system_qty": ln.system_qty,
                 "counted_qty": ln.counted_qty, "variance": ln.variance, "status": ln.status}
                for ln in count.lines if ln.variance != 0
            ] if count.status != "open" else [],
        }
        for count in counts
    ]


def count_view(session: Session, count: Count) -> dict:
    return count_views(session, [count])[0]
