"""The stock ledger's services: the single write path for stock.

Every stock change is a movement with postings that sum to zero per (owner,
SKU, lot). Balances and stock levels are updated in the same transaction with
guarded conditional updates, in a canonical key order (balances sorted by
key, then stock levels sorted by warehouse and SKU) so that concurrent
movements never deadlock on PostgreSQL at READ COMMITTED.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.db import transaction, utcnow
from wms.errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from wms.facility.models import Location
from wms.ledger.models import (
    CONDITIONS,
    MOVEMENT_KINDS,
    Balance,
    Movement,
    Posting,
    Reservation,
    StockLevel,
)
from wms.ledger.rules import PostingLine, level_deltas, net_lines, unbalanced

IDEMPOTENCY_KEY_INFO = "wms_idempotency_key_id"

_balances = Balance.__table__
_levels = StockLevel.__table__
_postings = Posting.__table__
_movements = Movement.__table__


def _upsert(session: Session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def post_movement(
    session: Session,
    *,
    warehouse_id: int,
    kind: str,
    lines: Sequence[PostingLine],
    actor: Principal | None = None,
    reference: str | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> Movement:
    """Record one business event as a balanced set of postings.

    Raises InsufficientStock, leaving nothing written, when a physical
    location would go negative or sellable stock would fall below what is
    reserved.
    """
    if kind not in MOVEMENT_KINDS:
        raise ValueError(f"unknown movement kind {kind!r}")
    for line in lines:
        if line.condition not in CONDITIONS:
            raise ValidationFailed(condition=f"must be one of {', '.join(CONDITIONS)}")
    if unbalanced(lines):
        raise ValueError(f"movement does not balance: {unbalanced(lines)}")
    netted = net_lines(lines)
    if not netted:
        raise ValidationFailed(qty="the movement changes nothing")

    with transaction(session):
        locations = _load_locations(session, {line.location_id for line in netted})
        owners = _load_owners(session, {line.sku_id for line in netted})

        movement_id = session.execute(
            insert(_movements)
            .values(
                warehouse_id=warehouse_id,
                kind=kind,
                reference=reference,
                reason=reason,
                note=note,
                actor_token_id=actor.token_id if actor else None,
                idempotency_key_id=session.info.get(IDEMPOTENCY_KEY_INFO),
                created_at=utcnow(),
            )
            .returning(_movements.c.id)
        ).scalar_one()
        session.execute(
            insert(_postings),
            [
                {
                    "movement_id": movement_id,
                    "warehouse_id": locations[line.location_id].warehouse_id,
                    "location_id": line.location_id,
                    "is_virtual": locations[line.location_id].is_virtual,
                    "owner_id": owners[line.sku_id],
                    "sku_id": line.sku_id,
                    "lot": line.lot,
                    "condition": line.condition,
                    "qty": line.qty,
                }
                for line in netted
            ],
        )
        for line in netted:  # already in canonical key order
            _apply_balance(session, line, locations[line.location_id], owners[line.sku_id])
        deltas = level_deltas(
            netted,
            {loc_id: loc.kind for loc_id, loc in locations.items()},
            {loc_id: loc.warehouse_id for loc_id, loc in locations.items()},
        )
        for (wh_id, sku_id), changed in deltas.items():
            _apply_level(session, wh_id, sku_id, owners[sku_id], changed)
        return session.get(Movement, movement_id)


def _load_locations(session: Session, ids: set[int]) -> dict[int, Location]:
    rows = session.scalars(select(Location).where(Location.id.in_(ids))).all()
    found = {row.id: row for row in rows}
    missing = ids - found.keys()
    if missing:
        raise NotFound(f"location {min(missing)} not found")
    return found


def _load_owners(session: Session, sku_ids: set[int]) -> dict[int, int]:
    rows = session.execute(select(Sku.id, Sku.seller_id).where(Sku.id.in_(sku_ids))).all()
    owners = {sku_id: seller_id for sku_id, seller_id in rows}
    missing = sku_ids - owners.keys()
    if missing:
        raise NotFound(f"SKU {min(missing)} not found")
    return owners


def _balance_key(line: PostingLine, owner_id: int):
    return and_(
        _balances.c.location_id == line.location_id,
        _balances.c.owner_id == owner_id,
        _balances.c.sku_id == line.sku_id,
        _balances.c.lot == line.lot,
        _balances.c.condition == line.condition,
    )


def _apply_balance(session: Session, line: PostingLine, location: Location, owner_id: int) -> None:
    if line.qty < 0 and not location.is_virtual:
        # Guarded: take only what is there; zero rows means it is not.
        result = session.execute(
            update(_balances)
            .where(_balance_key(line, owner_id), _balances.c.qty + line.qty >= 0)
            .values(qty=_balances.c.qty + line.qty)
        )
        if result.rowcount != 1:
            raise InsufficientStock(
                f"location {location.code} holds less than {-line.qty} of SKU {line.sku_id}"
                + (f" lot {line.lot}" if line.lot else "")
                + (f" ({line.condition})" if line.condition != "good" else "")
            )
        return
    stmt = _upsert(session, _balances).values(
        warehouse_id=location.warehouse_id,
        location_id=line.location_id,
        is_virtual=location.is_virtual,
        owner_id=owner_id,
        sku_id=line.sku_id,
        lot=line.lot,
        condition=line.condition,
        qty=line.qty,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["location_id", "owner_id", "sku_id", "lot", "condition"],
            set_={"qty": _balances.c.qty + stmt.excluded.qty},
        )
    )


def _apply_level(session: Session, warehouse_id: int, sku_id: int, owner_id: int, changed: dict[str, int]) -> None:
    decreases = {bucket: q for bucket, q in changed.items() if q < 0}
    if decreases:
        guards = [getattr(_levels.c, bucket) + q >= 0 for bucket, q in decreases.items()]
        if "sellable" in decreases:
            # Stock promised to orders cannot be taken by anything else.
            guards.append(_levels.c.sellable + decreases["sellable"] >= _levels.c.reserved)
        result = session.execute(
            update(_levels)
            .where(_levels.c.warehouse_id == warehouse_id, _levels.c.sku_id == sku_id, *guards)
            .values({getattr(_levels.c, b): getattr(_levels.c, b) + q for b, q in changed.items()})
        )
        if result.rowcount != 1:
            raise InsufficientStock(f"SKU {sku_id} has too little unreserved {', '.join(decreases)} stock")
        return
    stmt = _upsert(session, _levels).values(warehouse_id=warehouse_id, sku_id=sku_id, owner_id=owner_id, **changed)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["warehouse_id", "sku_id"],
            set_={b: getattr(_levels.c, b) + getattr(stmt.excluded, b) for b in changed},
        )
    )


def reserve_stock(
    session: Session, *, warehouse_id: int, sku_id: int, qty: int, reference: str | None = None
) -> Reservation:
    """Reserve available stock with one guarded update; nothing is reserved
    when it does not fit (InsufficientStock)."""
    if qty <= 0:
        raise ValidationFailed(qty="must be a positive integer")
    with transaction(session):
        owner_id = session.scalar(select(Sku.seller_id).where(Sku.id == sku_id))
        if owner_id is None:
            raise NotFound("SKU not found")
        result = session.execute(
            update(_levels)
            .where(
                _levels.c.warehouse_id == warehouse_id,
                _levels.c.sku_id == sku_id,
                _levels.c.sellable - _levels.c.reserved >= qty,
            )
            .values(reserved=_levels.c.reserved + qty)
        )
        if result.rowcount != 1:
            raise InsufficientStock(f"fewer than {qty} units of SKU {sku_id} are available")
        reservation = Reservation(
            warehouse_id=warehouse_id, owner_id=owner_id, sku_id=sku_id, qty=qty, reference=reference
        )
        session.add(reservation)
        session.flush()
        return reservation


def release_reservation(session: Session, reservation_id: int) -> Reservation:
    """Give reserved stock back to available. Releasing twice is InvalidState."""
    with transaction(session):
        reservation = session.get(Reservation, reservation_id)
        if reservation is None:
            raise NotFound("reservation not found")
        claimed = session.execute(
            update(Reservation.__table__)
            .where(Reservation.__table__.c.id == reservation_id, Reservation.__table__.c.status == "open")
            .values(status="released", closed_at=utcnow())
        )
        if claimed.rowcount != 1:
            raise InvalidState(f"reservation {reservation_id} is not open")
        session.execute(
            update(_levels)
            .where(_levels.c.warehouse_id == reservation.warehouse_id, _levels.c.sku_id == reservation.sku_id)
            .values(reserved=_levels.c.reserved - reservation.qty)
        )
        session.refresh(reservation)
        return reservation


def change_expected(session: Session, *, warehouse_id: int, sku_id: int, owner_id: int, delta: int) -> None:
    """Units announced on open inbound shipments (not yet received) count in
    the warehouse's `expected` bucket; inbound services keep it here, in the
    same transaction as the ASN change, so that GET /stock shows it."""
    if delta == 0:
        return
    with transaction(session):
        _apply_level(session, warehouse_id, sku_id, owner_id, {"expected": delta})
