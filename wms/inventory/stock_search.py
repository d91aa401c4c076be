"""The seller portal's stock reads: one row per SKU with its buckets summed
across the caller's warehouses, searched, filtered, sorted and paged in the
database; the per-warehouse rows of a page's SKUs; a SKU's stock by location
class and its on-hand history. Reads only: scoped by the caller like every
stock query (a seller sees its own SKUs, an operator its warehouses)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Barcode, Seller, Sku
from wms.errors import ValidationFailed
from wms.facility.models import Location, Warehouse
from wms.ledger.models import Balance, Movement, Posting, StockLevel

STOCK_READERS = ("admin", "operator", "seller")
BUCKETS = ("expected", "receiving", "sellable", "reserved", "available", "unsellable", "in_transit", "picked")
SORTS = ("sku", "name", "seller") + BUCKETS
FILTERS = ("low", "out", "unsellable")
LOW_STOCK_DEFAULT = 10
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class StockQuery:
    """What the stock page asks for (every field optional)."""

    q: str = ""
    warehouse: str | None = None
    filter: str | None = None  # one of FILTERS
    low_below: int = LOW_STOCK_DEFAULT
    sort: str = "sku"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValidationFailed(sort=f"must be one of {', '.join(SORTS)}")
        if self.filter is not None and self.filter not in FILTERS:
            raise ValidationFailed(filter=f"must be one of {', '.join(FILTERS)}")
        if self.low_below < 1:
            raise ValidationFailed(low_below="must be at least 1")


def _level_columns():
    available = StockLevel.sellable - StockLevel.reserved
    columns = {name: getattr(StockLevel, name) for name in BUCKETS if name != "available"}
    columns["available"] = available
    return columns


def _totals(session: Session, actor: Principal, query: StockQuery):
    """A subquery: per SKU, each bucket summed over the warehouses in scope."""
    stmt = select(StockLevel.sku_id.label("sku_id"), *[
        func.sum(column).label(name) for name, column in _level_columns().items()
    ]).where(actor.warehouse_filter(StockLevel.warehouse_id), actor.seller_filter(StockLevel.owner_id))
    if query.warehouse:
        wh = session.scalar(select(Warehouse).where(Warehouse.code == query.warehouse))
        if wh is None or not actor.can_see_warehouse(wh.id):
            raise ValidationFailed(warehouse=f"unknown warehouse {query.warehouse!r}")
        stmt = stmt.where(StockLevel.warehouse_id == wh.id)
    return stmt.group_by(StockLevel.sku_id).subquery("totals")


def _search(session: Session, actor: Principal, query: StockQuery):
    actor.require(*STOCK_READERS)
    totals = _totals(session, actor, query)
    bucket = {name: func.coalesce(totals.c[name], 0) for name in BUCKETS}
    stmt = (
        select(Sku.id, Sku.code, Sku.name, Seller.code.label("seller"), *[bucket[n].label(n) for n in BUCKETS])
        .join(Seller, Seller.id == Sku.seller_id)
        .where(actor.seller_filter(Sku.seller_id))
    )
    # A seller (or an admin) sees every SKU of the catalogue, stocked or not;
    # an operator, or anyone looking at one warehouse, only what that stocks.
    if actor.role == "operator" or query.warehouse:
        stmt = stmt.join(totals, totals.c.sku_id == Sku.id)
    else:
        stmt = stmt.outerjoin(totals, totals.c.sku_id == Sku.id)
    text = query.q.strip()
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(
            func.lower(Sku.code).like(pattern, escape="\\"),
            func.lower(Sku.name).like(pattern, escape="\\"),
            exists().where(Barcode.sku_id == Sku.id, Barcode.code == text),
        ))
    if query.filter == "out":
        stmt = stmt.where(bucket["available"] <= 0)
    elif query.filter == "low":
        stmt = stmt.where(bucket["available"] > 0, bucket["available"] < query.low_below)
    elif query.filter == "unsellable":
        stmt = stmt.where(bucket["unsellable"] > 0)
    sort_column = {"sku": Sku.code, "name": Sku.name, "seller": Seller.code}.get(query.sort) \
        or bucket[query.sort]
    order = [sort_column.desc() if query.descending else sort_column.asc(), Sku.code, Sku.id]
    return stmt, order


def _row(r) -> dict:
    return {"sku_id": r.id, "sku": r.code, "name": r.name, "seller": r.seller,
            **{n: int(getattr(r, n)) for n in BUCKETS}}


def search_stock(session: Session, actor: Principal, query: StockQuery, *, page: int = 1,
                 per_page: int = 50) -> tuple[list[dict], int]:
    """A page of SKUs matching the query, and how many match in all."""
    stmt, order = _search(session, actor, query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.execute(stmt.order_by(*order).offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return [_row(r) for r in rows], int(total or 0)


def export_stock(session: Session, actor: Principal, query: StockQuery) -> list[dict]:
    """Every SKU the query matches, in its order (what the CSV export holds)."""
    stmt, order = _search(session, actor, query)
    return [_row(r) for r in session.execute(stmt.order_by(*order).limit(MAX_EXPORT_ROWS))]


def stock_by_warehouse(session: Session, actor: Principal, sku_ids: list[int],
                       warehouse: str | None = None) -> dict[int, list[dict]]:
    """The per-warehouse rows of these SKUs (those in the caller's scope)."""
    if not sku_ids:
        return {}
    stmt = (
        select(StockLevel, Warehouse.code)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(StockLevel.sku_id.in_(sku_ids), actor.warehouse_filter(StockLevel.warehouse_id),
               actor.seller_filter(StockLevel.owner_id))
        .order_by(Warehouse.code)
        .execution_options(populate_existing=True)
    )
    if warehouse:
        stmt = stmt.where(Warehouse.code == warehouse)
    found: dict[int, list[dict]] = defaultdict(list)
    for level, code in session.execute(stmt):
        found[level.sku_id].append({"warehouse": code, **{n: getattr(level, n) for n in BUCKETS}})
    return found


def stock_by_location_kind(session: Session, actor: Principal, sku_id: int) -> list[dict]:
    """Units on hand of one SKU per warehouse, location class and condition."""
    actor.require(*STOCK_READERS)
    rows = session.execute(
        select(Warehouse.code, Location.kind, Balance.condition, func.sum(Balance.qty))
        .join(Location, Location.id == Balance.location_id)
        .join(Warehouse, Warehouse.id == Balance.warehouse_id)
        .where(Balance.sku_id == sku_id, Balance.is_virtual.is_(False), Balance.qty != 0,
               actor.warehouse_filter(Balance.warehouse_id), actor.seller_filter(Balance.owner_id))
        .group_by(Warehouse.code, Location.kind, Balance.condition)
        .order_by(Warehouse.code, Location.kind, Balance.condition)
    ).all()
    return [{"warehouse": wh, "kind": kind, "condition": cond, "qty": int(qty)} for wh, kind, cond, qty in rows]


def on_hand_history(session: Session, actor: Principal, sku_id: int, *, days: int = 90,
                    today: date | None = None) -> dict[str, list[tuple[date, int]]]:
    """Units of one SKU physically in each warehouse at the end of each of
    the last `days` days (postings into and out of physical locations,
    summed up to that day), per warehouse code."""
    actor.require(*STOCK_READERS)
    today = today or datetime.now(UTC).date()
    start = today - timedelta(days=days - 1)
    start_at = datetime(start.year, start.month, start.day, tzinfo=UTC)
    scope = (Posting.sku_id == sku_id, Posting.is_virtual.is_(False),
             actor.warehouse_filter(Posting.warehouse_id), actor.seller_filter(Posting.owner_id))
    opening = dict(session.execute(
        select(Warehouse.code, func.sum(Posting.qty))
        .join(Movement, Movement.id == Posting.movement_id)
        .join(Warehouse, Warehouse.id == Posting.warehouse_id)
        .where(*scope, Movement.created_at < start_at)
        .group_by(Warehouse.code)
    ).all())
    changes = session.execute(
        select(Warehouse.code, Movement.created_at, func.sum(Posting.qty))
        .join(Movement, Movement.id == Posting.movement_id)
        .join(Warehouse, Warehouse.id == Posting.warehouse_id)
        .where(*scope, Movement.created_at >= start_at)
        .group_by(Warehouse.code, Movement.id, Movement.created_at)
        .order_by(Movement.id)
    ).all()
    per_day: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for code, at, qty in changes:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        per_day[code][at.astimezone(UTC).date()] += int(qty)
    series = {}
    for code in sorted(set(opening) | set(per_day)):
        level = int(opening.get(code) or 0)
        points = []
        for i in range(days):
            day = start + timedelta(days=i)
            level += per_day[code].get(day, 0)
            points.append((day, level))
        series[code] = points
    return series
