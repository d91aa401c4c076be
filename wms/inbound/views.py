"""How the API and the screens show ASNs: a whole page at once (one query
per kind of code, whatever the number of ASNs)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Seller, Sku
from wms.db import codes_of, utcnow
from wms.facility.models import Warehouse
from wms.inbound.models import Asn, AsnLine, Receipt
from wms.inbound.services import OPEN_STATUSES, UNDO_WINDOW, discrepancies


def asn_views(session: Session, asns: list[Asn], *, with_report: bool = False) -> list[dict]:
    skus = codes_of(session, Sku, {ln.sku_id for asn in asns for ln in asn.lines})
    warehouses = codes_of(session, Warehouse, {asn.warehouse_id for asn in asns})
    sellers = codes_of(session, Seller, {asn.seller_id for asn in asns})
    views = []
    for asn in asns:
        view = {
            "id": asn.id,
            "reference": asn.reference,
            "status": asn.status,
            "warehouse": warehouses[asn.warehouse_id],
            "seller": sellers[asn.seller_id],
            "transport_mode": asn.transport_mode,
            "carrier": asn.carrier,
            "tracking_number": asn.tracking_number,
            "container_number": asn.container_number,
            "expected_at": asn.expected_at,
            "created_at": asn.created_at,
            "closed_at": asn.closed_at,
            "lines": [
                {
                    "sku": skus[ln.sku_id],
                    "sku_id": ln.sku_id,
                    "lot": ln.lot or None,
                    "expiry": ln.expiry,
                    "expected_qty": ln.expected_qty,
                    "received_qty": ln.received_qty,
                    "damaged_qty": ln.damaged_qty,
                    "unplanned": ln.unplanned,
                }
                for ln in asn.lines
            ],
        }
        if with_report or asn.status == "closed":
            view["discrepancies"] = [{"sku": skus[d["sku_id"]], **d} for d in discrepancies(asn)]
        views.append(view)
    return views


def asn_view(session: Session, asn: Asn, *, with_report: bool = False) -> dict:
    return asn_views(session, [asn], with_report=with_report)[0]


def recent_scans(session: Session, actor: Principal, asn: Asn, limit: int = 5) -> list[dict]:
    """The last scans this person (or token) made on an ASN, newest first,
    with whether each can still be undone: one query."""
    mine = Receipt.actor_user_id == actor.user_id if actor.user_id is not None else \
        Receipt.actor_token_id == actor.token_id
    rows = session.execute(
        select(Receipt, Sku.code, Sku.name, AsnLine.lot)
        .join(AsnLine, AsnLine.id == Receipt.asn_line_id).join(Sku, Sku.id == AsnLine.sku_id)
        .where(Receipt.asn_id == asn.id, mine).order_by(Receipt.id.desc()).limit(limit)
    ).all()
    since = utcnow() - UNDO_WINDOW
    return [
        {"id": r.id, "qty": r.qty, "sku": code, "name": name, "lot": lot or None, "condition": r.condition,
         "created_at": r.created_at, "reversed_at": r.reversed_at, "reason": r.reason,
         "undoable": r.reversed_at is None and r.created_at >= since and asn.status in OPEN_STATUSES}
        for r, code, name, lot in rows
    ]
