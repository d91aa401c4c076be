"""How the API and the screens show ASNs: a whole page at once (one query
per kind of code, whatever the number of ASNs)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from wms.catalog.models import Seller, Sku
from wms.db import codes_of
from wms.facility.models import Warehouse
from wms.inbound.models import Asn
from wms.inbound.services import discrepancies


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
