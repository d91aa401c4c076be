"""The stock ledger's services: the single write path for stock.

Every stock change is a movement with postings that sum to zero per (owner,
SKU, lot). Balances and stock levels are updated in the same transaction with
guarded conditional updates, in a canonical key order (balances sorted by
key, then stock levels sorted by warehouse and SKU) so that concurrent
movements never deadlock on PostgreSQL at READ COMMITTED.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import BigInteger, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from wms.auth.principal import Principal
from wms.catalog.models import Sku
from wms.db import INT32_MAX, UTCDateTime, transaction, utcnow, write_scope
from wms.errors import InsufficientStock, InvalidState, NotFound, ValidationFailed
from wms.facility.models import Location
from wms.ledger.events import LevelChange, announce_available, announce_levels
from wms.ledger.models import (
    CONDITIONS,
    MOVEMENT_KINDS,
    Balance,
    Movement,
    MovementUser,
    Posting,
    Reservation,
    StockLevel,
)
from wms.ledger.rules import PostingLine, level_deltas, net_lines, unbalanced
from wms.messages import M_

_balances = Balance.__table__
_levels = StockLevel.__table__
_postings = Posting.__table__
_movements = Movement.__table__


# The statements of the write path are built once, with bound parameters, and
# reused: building an upsert costs more Python than executing a cached one,
# and the ledger's throughput is bound by the client's CPU as much as by the
# database. The statements, guards and their order are the same as when they
# were built per call.


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _qty(name: str):
    return bindparam(name, type_=BigInteger)


_LOCATIONS = select(Location.id, Location.warehouse_id, Location.is_virtual, Location.kind, Location.code).where(
    Location.id.in_(bindparam("ids", expanding=True))
)
_OWNERS = select(Sku.id, Sku.seller_id).where(Sku.id.in_(bindparam("ids", expanding=True)))
_INSERT_MOVEMENT = insert(_movements).returning(_movements.c.id)
_INSERT_POSTINGS = insert(_postings).returning(_postings.c.id, sort_by_parameter_order=True)
# Guarded: take only what is there; zero rows means it is not.
_TAKE_BALANCE = (
    update(_balances)
    .where(
        _balances.c.location_id == bindparam("key_location_id"),
        _balances.c.owner_id == bindparam("key_owner_id"),
        _balances.c.sku_id == bindparam("key_sku_id"),
        _balances.c.lot == bindparam("key_lot"),
        _balances.c.condition == bindparam("key_condition"),
        _balances.c.qty + _qty("delta") >= 0,
    )
    .values(qty=_balances.c.qty + _qty("delta"))
)


@functools.cache
def _add_balance(dialect: str):
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_balances)
    return stmt.on_conflict_do_update(
        index_elements=["location_id", "owner_id", "sku_id", "lot", "condition"],
        set_={"qty": _balances.c.qty + stmt.excluded.qty},
    )


@functools.cache
def _take_level(buckets: tuple[str, ...], decreases: tuple[str, ...]):
    delta = {b: _qty(f"delta_{b}") for b in buckets}
    guards = [getattr(_levels.c, b) + delta[b] >= 0 for b in decreases]
    if "sellable" in decreases:
        # Stock promised to orders cannot be taken by anything else (a
        # pick takes its own reserved units: reserved drops with it).
        reserved_after = _levels.c.reserved + delta["reserved"] if "reserved" in delta else _levels.c.reserved
        guards.append(_levels.c.sellable + delta["sellable"] >= reserved_after)
    return (
        update(_levels)
        .where(_levels.c.warehouse_id == bindparam("key_warehouse_id"), _levels.c.sku_id == bindparam("key_sku_id"),
               *guards)
        .values({getattr(_levels.c, b): getattr(_levels.c, b) + delta[b] for b in buckets})
    )


@functools.cache
def _add_level(dialect: str, buckets: tuple[str, ...]):
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_levels)
    return stmt.on_conflict_do_update(
        index_elements=["warehouse_id", "sku_id"],
        set_={b: getattr(_levels.c, b) + getattr(stmt.excluded, b) for b in buckets},
    )


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
    consume: Sequence[tuple[int, int]] = (),
) -> Movement:
    """Record one business event as a balanced set of postings.

    `consume` lists (reservation id, qty) that the movement fulfils (a pick
    takes reserved units out of storage): their reserved units leave the
    stock level together with the sellable ones, in the same guarded update.

    Raises InsufficientStock, leaving nothing written, when a physical
    location would go negative or sellable stock would fall below what is
    reserved.
    """
    netted = _checked(kind, lines, consume)
    with transaction(session):
        values = {
            "warehouse_id": warehouse_id,
            "kind": kind,
            "reference": reference,
            "reason": reason,
            "note": note,
            "actor_token_id": actor.token_id if actor else None,
            "idempotency_key_id": write_scope(session).idempotency_key_id,
            "created_at": utcnow(),
        }
        user_id = actor.user_id if actor is not None else None
        if _one_round_trip(session):
            # The person is written by the function too (migration 0016).
            movement, postings, owners, deltas = _post_in_one_round_trip(session, values, netted, consume, user_id)
        else:
            movement, postings, owners, deltas = _post_by_statements(session, values, netted, consume)
            if user_id is not None:
                session.execute(insert(MovementUser).values(movement_id=movement.id, user_id=user_id))
        announce_levels(session, [
            LevelChange(wh_id, sku_id, owners[sku_id], changed) for (wh_id, sku_id), changed in sorted(deltas.items())
        ])
        announce_available(session, [key for key, changed in sorted(deltas.items()) if changed.get("sellable", 0) > 0])
        return _attach(session, movement, postings)


def _checked(kind: str, lines: Sequence[PostingLine], consume: Sequence[tuple[int, int]]) -> list[PostingLine]:
    """The movement's lines netted, in canonical key order, once it is known
    to be well formed (nothing is written before)."""
    if kind not in MOVEMENT_KINDS:
        raise ValueError(M_('unknown movement kind %(kind)s', kind=f'{kind!r}'))
    for line in lines:
        if line.condition not in CONDITIONS:
            raise ValidationFailed(condition=M_('must be one of %(value)s', value=', '.join(CONDITIONS)))
    if unbalanced(lines):
        raise ValueError(M_('movement does not balance: %(lines)s', lines=unbalanced(lines)))
    netted = net_lines(lines)
    if not netted:
        raise ValidationFailed(qty=M_('the movement changes nothing'))
    if any(abs(line.qty) > INT32_MAX for line in netted):
        # A posting is one request's quantity (INTEGER); only the sums it feeds are BIGINT.
        raise ValidationFailed(qty=M_('at most %(int32_max)s units move in one movement', int32_max=INT32_MAX))
    for _reservation_id, qty in consume:
        if qty <= 0:
            raise ValueError(M_('consumed quantities are positive'))
    return netted


class MovementSpec(NamedTuple):
    """One movement of a bulk posting (post_movements): post_movement's arguments."""

    warehouse_id: int
    kind: str
    lines: Sequence[PostingLine]
    reference: str | None = None
    reason: str | None = None
    note: str | None = None
    consume: Sequence[tuple[int, int]] = ()


def post_movements(session: Session, specs: Sequence[MovementSpec], *,
                   actor: Principal | None = None) -> list[Movement]:
    """Many movements (a pallet's receipts, a wave's picks, an import) in one
    transaction: all of them or, when one fails its guards, none (its error is
    raised). The same guards, lock order per movement and errors as
    post_movement. On PostgreSQL they reach the server in one round trip
    (psycopg's pipeline mode, one wms_post_movement() call each); subscribers
    hear once of the summed level changes."""
    checked = [(spec, _checked(spec.kind, spec.lines, spec.consume)) for spec in specs]
    if not checked:
        return []
    user_id = actor.user_id if actor is not None else None
    with transaction(session):
        common = {
            "actor_token_id": actor.token_id if actor else None,
            "idempotency_key_id": write_scope(session).idempotency_key_id,
            "created_at": utcnow(),
        }
        values = [{"warehouse_id": spec.warehouse_id, "kind": spec.kind, "reference": spec.reference,
                   "reason": spec.reason, "note": spec.note, **common} for spec, _netted in checked]
        if _one_round_trip(session):
            results = _pipelined(session, [
                _function_params(v, netted, spec.consume, user_id)
                for v, (spec, netted) in zip(values, checked, strict=True)])
            posted = [_from_function_result(v, netted, result)
                      for v, (_spec, netted), result in zip(values, checked, results, strict=True)]
        else:
            posted = []
            for v, (spec, netted) in zip(values, checked, strict=True):
                posted.append(_post_by_statements(session, v, netted, spec.consume))
                if user_id is not None:
                    session.execute(insert(MovementUser).values(movement_id=posted[-1][0].id, user_id=user_id))
        summed: dict[tuple[int, int], dict[str, int]] = {}
        owners: dict[int, int] = {}
        for _movement, _postings, movement_owners, deltas in posted:
            owners.update(movement_owners)
            for key, changed in deltas.items():
                total = summed.setdefault(key, {})
                for bucket, qty in changed.items():
                    total[bucket] = total.get(bucket, 0) + qty
        summed = {key: {b: q for b, q in changed.items() if q} for key, changed in summed.items()}
        announce_levels(session, [LevelChange(wh_id, sku_id, owners[sku_id], changed)
                                  for (wh_id, sku_id), changed in sorted(summed.items()) if changed])
        announce_available(session, [key for key, changed in sorted(summed.items())
                                     if changed.get("sellable", 0) > 0])
        return [_attach(session, movement, postings) for movement, postings, _o, _d in posted]


def _pipelined(session: Session, params: list[dict]) -> list[dict]:
    """wms_post_movement() once per parameter set, every call sent before the
    first answer is read (psycopg's executemany runs in pipeline mode: one
    round trip), in this session's transaction. A failed guard raises its
    DomainError; the transaction is then to be rolled back, as after any
    failed movement."""
    import psycopg

    connection = session.connection()
    compiled = _POST_MOVEMENT.compile(dialect=connection.dialect)
    processors = compiled._bind_processors
    bound = [{k: processors[k](v) if k in processors else v for k, v in p.items()} for p in params]
    driver = connection.connection.driver_connection
    results = []
    try:
        with driver.cursor() as cursor:
            cursor.executemany(compiled.string, bound, returning=True)
            while True:
                results.append(cursor.fetchone()[0])
                if not cursor.nextset():
                    break
    except psycopg.Error as exc:
        error = _FUNCTION_ERRORS.get(getattr(exc, "sqlstate", None))
        if error is None:
            raise DBAPIError.instance(compiled.string, None, exc, psycopg.Error) from exc
        raise error(exc.diag.message_primary) from None
    return results


def _one_round_trip(session: Session) -> bool:
    """Whether this session posts through wms_post_movement() (PostgreSQL)."""
    return _dialect(session) == "postgresql"


class _Location(NamedTuple):
    warehouse_id: int
    is_virtual: bool
    kind: str
    code: str


# The errors wms_post_movement() raises (SQLSTATE), as the Python path raises them.
_FUNCTION_ERRORS = {"QW001": InsufficientStock, "QW002": NotFound, "QW003": InvalidState}
_POST_MOVEMENT = text(
    "SELECT wms_post_movement(:warehouse_id, :kind, :reference, :reason, :note, :actor_token_id, "
    ":idempotency_key_id, :created_at, CAST(:locations AS bigint[]), CAST(:skus AS bigint[]), "
    "CAST(:lots AS text[]), CAST(:conditions AS text[]), CAST(:qtys AS bigint[]), "
    "CAST(:reservations AS bigint[]), CAST(:reserved_qtys AS bigint[]), CAST(:user_id AS bigint))"
).bindparams(bindparam("created_at", type_=UTCDateTime))


def _function_params(values: dict, netted: list[PostingLine], consume, user_id: int | None) -> dict:
    consumed = sorted(consume)
    return {
        **values,
        "locations": [line.location_id for line in netted],
        "skus": [line.sku_id for line in netted],
        "lots": [line.lot for line in netted],
        "conditions": [line.condition for line in netted],
        "qtys": [line.qty for line in netted],
        "reservations": [reservation_id for reservation_id, _qty in consumed],
        "reserved_qtys": [qty for _reservation_id, qty in consumed],
        "user_id": user_id,
    }


def _post_in_one_round_trip(session: Session, values: dict, netted: list[PostingLine], consume,
                            user_id: int | None = None):
    """PostgreSQL: the whole movement in one statement, wms_post_movement()
    (migration 0007; 0016 gave it the person, written to movement_users), with
    the same guards, lock order and errors as _post_by_statements."""
    try:
        result = session.execute(_POST_MOVEMENT, _function_params(values, netted, consume, user_id)).scalar_one()
    except DBAPIError as exc:
        error = _FUNCTION_ERRORS.get(getattr(exc.orig, "sqlstate", None))
        if error is None:
            raise
        raise error(exc.orig.diag.message_primary) from None
    return _from_function_result(values, netted, result)


def _from_function_result(values: dict, netted: list[PostingLine], result: dict):
    """The movement, its postings, owners and level changes, from what
    wms_post_movement() answered (nothing read back)."""
    locations, owners = {}, {}
    for line, wh_id, is_virtual, loc_kind, code, owner_id in zip(
        netted, result["warehouses"], result["virtual"], result["kinds"], result["codes"], result["owners"],
        strict=True,
    ):
        locations[line.location_id] = _Location(wh_id, is_virtual, loc_kind, code)
        owners[line.sku_id] = owner_id
    movement = Movement(id=result["movement_id"], **values)
    by_key = {(line.location_id, line.sku_id, line.lot, line.condition): line for line in netted}
    postings = []
    for posting_id, loc_id, sku_id, lot, condition in sorted(result["postings"]):
        line = by_key[(loc_id, sku_id, lot, condition)]
        postings.append(Posting(
            id=posting_id, movement_id=movement.id, warehouse_id=locations[loc_id].warehouse_id,
            location_id=loc_id, is_virtual=locations[loc_id].is_virtual, owner_id=owners[sku_id], sku_id=sku_id,
            lot=lot, condition=condition, qty=line.qty,
        ))
    leaving: dict[tuple[int, int], int] = {}
    reserved = result["reserved"]
    for wh_id, sku_id, qty in zip(reserved["warehouses"], reserved["skus"], reserved["qtys"], strict=True):
        leaving[(wh_id, sku_id)] = leaving.get((wh_id, sku_id), 0) + qty
    return movement, postings, owners, _level_deltas(netted, locations, leaving)


def _level_deltas(netted, locations, leaving) -> dict[tuple[int, int], dict[str, int]]:
    """Bucket changes per (warehouse, SKU): the lines' and the reserved units
    leaving with consumed reservations."""
    deltas = level_deltas(
        netted,
        {loc_id: loc.kind for loc_id, loc in locations.items()},
        {loc_id: loc.warehouse_id for loc_id, loc in locations.items()},
    )
    for (wh_id, sku_id), qty in leaving.items():
        deltas.setdefault((wh_id, sku_id), {})
        deltas[(wh_id, sku_id)]["reserved"] = deltas[(wh_id, sku_id)].get("reserved", 0) - qty
    return deltas


def _post_by_statements(session: Session, values: dict, netted: list[PostingLine], consume):
    """SQLite: the movement statement by statement, in the lock order of
    wms_post_movement()."""
    locations = _load_locations(session, {line.location_id for line in netted})
    owners = _load_owners(session, {line.sku_id for line in netted})
    movement_id = session.execute(_INSERT_MOVEMENT, values).scalar_one()
    rows = [
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
    ]
    posting_ids = session.execute(_INSERT_POSTINGS, rows).scalars().all()
    # The movement as the caller gets it, with its postings, built from
    # what was just written rather than read back; it joins the session
    # only once every guarded update below has passed.
    movement = Movement(id=movement_id, **values)
    postings = [Posting(id=posting_id, **row) for posting_id, row in zip(posting_ids, rows, strict=True)]
    for line in netted:  # already in canonical key order
        _apply_balance(session, line, locations[line.location_id], owners[line.sku_id])
    deltas = _level_deltas(netted, locations, _consume_reservations(session, consume))
    for (wh_id, sku_id), changed in sorted(deltas.items()):
        _apply_level(session, wh_id, sku_id, owners[sku_id], changed)
    return movement, postings, owners, deltas


def _attach(session: Session, movement: Movement, postings: list[Posting]) -> Movement:
    """Make the movement and its postings persistent in the session as if
    loaded from the database (no SQL)."""
    for obj in (movement, *postings):
        make_transient_to_detached(obj)
        session.add(obj)
    set_committed_value(movement, "postings", sorted(postings, key=lambda p: p.id))
    return movement


def _load_locations(session: Session, ids: set[int]) -> dict[int, Row]:
    """id, warehouse_id, is_virtual, kind and code of each location."""
    found = {row.id: row for row in session.execute(_LOCATIONS, {"ids": sorted(ids)})}
    missing = ids - found.keys()
    if missing:
        raise NotFound(M_('location %(missing)s not found', missing=min(missing)))
    return found


def _load_owners(session: Session, sku_ids: set[int]) -> dict[int, int]:
    owners = {sku_id: seller_id for sku_id, seller_id in session.execute(_OWNERS, {"ids": sorted(sku_ids)})}
    missing = sku_ids - owners.keys()
    if missing:
        raise NotFound(M_('SKU %(missing)s not found', missing=min(missing)))
    return owners


def _apply_balance(session: Session, line: PostingLine, location: Row, owner_id: int) -> None:
    if line.qty < 0 and not location.is_virtual:
        result = session.execute(_TAKE_BALANCE, {
            "key_location_id": line.location_id,
            "key_owner_id": owner_id,
            "key_sku_id": line.sku_id,
            "key_lot": line.lot,
            "key_condition": line.condition,
            "delta": line.qty,
        })
        if result.rowcount != 1:
            raise InsufficientStock(
                f"location {location.code} holds less than {-line.qty} of SKU {line.sku_id}"
                + (f" lot {line.lot}" if line.lot else "")
                + (f" ({line.condition})" if line.condition != "good" else "")
            )
        return
    session.execute(_add_balance(_dialect(session)), {
        "warehouse_id": location.warehouse_id,
        "location_id": line.location_id,
        "is_virtual": location.is_virtual,
        "owner_id": owner_id,
        "sku_id": line.sku_id,
        "lot": line.lot,
        "condition": line.condition,
        "qty": line.qty,
    })


def _apply_level(session: Session, warehouse_id: int, sku_id: int, owner_id: int, changed: dict[str, int]) -> None:
    decreases = {bucket: q for bucket, q in changed.items() if q < 0}
    if decreases:
        result = session.execute(
            _take_level(tuple(changed), tuple(decreases)),
            {"key_warehouse_id": warehouse_id, "key_sku_id": sku_id, **{f"delta_{b}": q for b, q in changed.items()}},
        )
        if result.rowcount != 1:
            raise InsufficientStock(M_('SKU %(sku_id)s has too little unreserved %(value)s stock',
                                       sku_id=sku_id, value=', '.join(decreases)))
        return
    session.execute(
        _add_level(_dialect(session), tuple(changed)),
        {"warehouse_id": warehouse_id, "sku_id": sku_id, "owner_id": owner_id, **changed},
    )


def reserve_stock(
    session: Session, *, warehouse_id: int, sku_id: int, qty: int, reference: str | None = None
) -> Reservation:
    """Reserve available stock with one guarded update; nothing is reserved
    when it does not fit (InsufficientStock)."""
    if qty <= 0:
        raise ValidationFailed(qty=M_('must be a positive integer'))
    with transaction(session):
        owner_id = session.scalar(select(Sku.seller_id).where(Sku.id == sku_id))
        if owner_id is None:
            raise NotFound(M_('SKU not found'))
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
            raise InsufficientStock(M_('fewer than %(qty)s units of SKU %(sku_id)s are available',
                                       qty=qty, sku_id=sku_id))
        announce_levels(session, [LevelChange(warehouse_id, sku_id, owner_id, {"reserved": qty})])
        reservation = Reservation(
            warehouse_id=warehouse_id, owner_id=owner_id, sku_id=sku_id, qty=qty, reference=reference
        )
        session.add(reservation)
        session.flush()
        return reservation


def _consume_reservations(session: Session, consume: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Mark reserved units as picked; returns reserved units leaving per
    (warehouse, sku). A reservation cannot give more than it holds."""
    leaving: dict[tuple[int, int], int] = {}
    res = Reservation.__table__
    for reservation_id, qty in sorted(consume):
        if qty <= 0:
            raise ValueError(M_('consumed quantities are positive'))
        row = session.execute(
            update(res)
            .where(res.c.id == reservation_id, res.c.status == "open",
                   res.c.consumed_qty + res.c.released_qty + qty <= res.c.qty)
            .values(consumed_qty=res.c.consumed_qty + qty)
            .returning(res.c.warehouse_id, res.c.sku_id, res.c.qty, res.c.consumed_qty, res.c.released_qty)
        ).one_or_none()
        if row is None:
            raise InvalidState(M_('reservation %(reservation_id)s does not hold %(qty)s more units',
                                  reservation_id=reservation_id, qty=qty))
        if row.consumed_qty + row.released_qty == row.qty:
            session.execute(update(res).where(res.c.id == reservation_id).values(status="consumed", closed_at=utcnow()))
        key = (row.warehouse_id, row.sku_id)
        leaving[key] = leaving.get(key, 0) + qty
    return leaving


def release_reservation(session: Session, reservation_id: int, qty: int | None = None) -> Reservation:
    """Give reserved stock back to available: all that is still open, or qty
    of it. Releasing what is no longer open is InvalidState."""
    res = Reservation.__table__
    with transaction(session):
        reservation = session.get(Reservation, reservation_id)
        if reservation is None:
            raise NotFound(M_('reservation not found'))
        session.refresh(reservation)
        take = reservation.open_qty if qty is None else qty
        if take <= 0 or reservation.status != "open":
            raise InvalidState(M_('reservation %(reservation_id)s is not open', reservation_id=reservation_id))
        claimed = session.execute(
            update(res)
            .where(res.c.id == reservation_id, res.c.status == "open",
                   res.c.consumed_qty + res.c.released_qty + take <= res.c.qty)
            .values(released_qty=res.c.released_qty + take)
        )
        if claimed.rowcount != 1:
            raise InvalidState(M_('reservation %(reservation_id)s does not hold %(take)s more units',
                                  reservation_id=reservation_id, take=take))
        session.execute(
            update(_levels)
            .where(_levels.c.warehouse_id == reservation.warehouse_id, _levels.c.sku_id == reservation.sku_id)
            .values(reserved=_levels.c.reserved - take)
        )
        announce_levels(session, [LevelChange(reservation.warehouse_id, reservation.sku_id, reservation.owner_id,
                                              {"reserved": -take})])
        announce_available(session, [(reservation.warehouse_id, reservation.sku_id)])
        session.refresh(reservation)
        if reservation.open_qty == 0:
            reservation.status = "released" if reservation.consumed_qty == 0 else "consumed"
            reservation.closed_at = utcnow()
            session.flush()
        return reservation

def change_expected(session: Session, *, warehouse_id: int, sku_id: int, owner_id: int, delta: int) -> None:
    """Units announced on open inbound shipments (not yet received) count in
    the warehouse's `expected` bucket; inbound services keep it here, in the
    same transaction as the ASN change, so that GET /stock shows it."""
    if delta == 0:
        return
    with transaction(session):
        _apply_level(session, warehouse_id, sku_id, owner_id, {"expected": delta})
        announce_levels(session, [LevelChange(warehouse_id, sku_id, owner_id, {"expected": delta})])
