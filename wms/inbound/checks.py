"""Inbound's invariant for `wms check`: the `expected` bucket of every stock
level equals the units still outstanding on open ASNs (inbound keeps that
bucket through wms.ledger.services.change_expected)."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from wms.inbound.models import Asn, AsnLine
from wms.inbound.services import OPEN_STATUSES
from wms.ledger.checks import Check, sample
from wms.ledger.models import StockLevel


def open_expected(session: Session) -> dict[tuple[int, int], int]:
    """Units announced on open ASNs and not yet received, per (warehouse, SKU)."""
    outstanding = func.sum(
        case((AsnLine.expected_qty > AsnLine.received_qty, AsnLine.expected_qty - AsnLine.received_qty), else_=0)
    )
    rows = session.execute(
        select(Asn.warehouse_id, AsnLine.sku_id, outstanding)
        .join(Asn, Asn.id == AsnLine.asn_id)
        .where(Asn.status.in_(OPEN_STATUSES))
        .group_by(Asn.warehouse_id, AsnLine.sku_id)
    ).all()
    return {(wh, sku): int(total) for wh, sku, total in rows if total}


def check_expected(session: Session) -> list[str]:
    """Every stock level's `expected` equals the open ASNs' outstanding units."""
    want = open_expected(session)
    problems = []
    seen = set()
    levels = session.execute(
        select(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.expected)
        .execution_options(populate_existing=True)
    )
    for warehouse_id, sku_id, expected in levels:
        key = (warehouse_id, sku_id)
        seen.add(key)
        if expected != want.get(key, 0):
            problems.append(
                f"stock level warehouse {warehouse_id} SKU {sku_id}: expected is {expected}, "
                f"open ASNs say {want.get(key, 0)}"
            )
    for key in sorted(set(want) - seen):
        problems.append(f"warehouse {key[0]} SKU {key[1]} has units on open ASNs but no stock level row")
    return sample(problems, str)


CHECKS = (Check("3e", "expected equals the units outstanding on open ASNs", check_expected),)
