"""Inbound's reads for the portal: ASNs searched, filtered and paged newest
first (closed and cancelled ones included), and an ASN's receipts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.errors import ValidationFailed
from wms.facility.models import Warehouse
from wms.inbound.models import ASN_STATUSES, Asn, Receipt


def search_asns(session: Session, actor: Principal, *, status: str | None = None, warehouse: str | None = None,
                q: str = "", due: tuple[datetime | None, datetime | None] | None = None, page: int = 1,
                per_page: int = 50) -> tuple[list[Asn], int]:
    """A page of the caller's ASNs, newest first, and how many match in all;
    `due` (from, until): open ones expected in that window."""
    actor.require("admin", "operator", "seller")
    if status and status not in ASN_STATUSES:
        raise ValidationFailed(status=f"must be one of {', '.join(ASN_STATUSES)}")
    stmt = select(Asn).where(actor.seller_filter(Asn.seller_id), actor.warehouse_filter(Asn.warehouse_id))
    if status:
        stmt = stmt.where(Asn.status == status)
    if warehouse:
        stmt = stmt.where(Asn.warehouse_id.in_(select(Warehouse.id).where(Warehouse.code == warehouse)))
    if due is not None:
        stmt = stmt.where(Asn.status.in_(("expected", "receiving")))
        if due[0] is not None:
            stmt = stmt.where(Asn.expected_at >= due[0])
        if due[1] is not None:
            stmt = stmt.where(Asn.expected_at < due[1])
    if q.strip():
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(func.lower(Asn.reference).like(pattern, escape="\\")
                          | func.lower(func.coalesce(Asn.container_number, "")).like(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    asns = session.scalars(stmt.order_by(Asn.id.desc()).offset((max(page, 1) - 1) * per_page).limit(per_page))
    return list(asns), int(total or 0)


def receipt_views(session: Session, asn: Asn) -> list[dict]:
    """Every scan received against the ASN, oldest first."""
    lines = {ln.id: ln for ln in asn.lines}
    skus = dict(session.execute(select(Sku.id, Sku.code).where(Sku.id.in_({ln.sku_id for ln in asn.lines}))).all())
    receipts = session.scalars(select(Receipt).where(Receipt.asn_id == asn.id).order_by(Receipt.id))
    return [
        {"id": r.id, "at": r.created_at, "sku": skus.get(lines[r.asn_line_id].sku_id, "?"),
         "lot": lines[r.asn_line_id].lot or None, "qty": r.qty, "condition": r.condition, "over": r.over,
         "unplanned": r.unplanned, "movement_id": r.movement_id}
        for r in receipts
    ]


def asn_figures(session: Session, warehouse_id: int, day_start: datetime, day_end: datetime) -> dict[str, int]:
    """Open ASNs of a warehouse: due in [day_start, day_end), late (due
    before day_start and not closed), and being received now."""
    open_asns = (Asn.warehouse_id == warehouse_id, Asn.status.in_(("expected", "receiving")))

    def count(*where) -> int:
        return int(session.scalar(select(func.count()).select_from(Asn).where(*open_asns, *where)) or 0)

    return {"due_today": count(Asn.expected_at >= day_start, Asn.expected_at < day_end),
            "late": count(Asn.expected_at < day_start), "receiving": count(Asn.status == "receiving")}
