"""Verifies the ledger's invariants (DESIGN.md) over the whole database.

Each check returns a list of human-readable violations (at most a sample);
`wms check` prints them and exits non-zero when any check found one. The
`expected` bucket belongs to inbound, which checks it (wms.inbound.checks);
wms.checks gathers every area's and extension's checks for `wms check`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, or_, select, text
from sqlalchemy.orm import Session

from wms.catalog.models import Sku
from wms.facility.models import Location
from wms.idempotency_models import IdempotencyKey
from wms.ledger.models import Balance, Movement, Posting, Reservation, StockLevel
from wms.ledger.rules import BUCKETS

SAMPLE = 20


@dataclass(frozen=True)
class Check:
    """One invariant that `wms check` verifies: run(session) returns the
    violations found (a sample of at most SAMPLE, then a count)."""

    number: str
    name: str
    run: Callable[[Session], list[str]]


@dataclass
class CheckResult:
    number: str
    name: str
    violations: list[str]

    @property
    def ok(self) -> bool:
        return not self.violations


def sample(rows, fmt: Callable) -> list[str]:
    return [fmt(row) for row in rows[:SAMPLE]] + ([f"... and {len(rows) - SAMPLE} more"] if len(rows) > SAMPLE else [])


def check_append_only(session: Session) -> list[str]:
    """1. The guards that make postings and movements append-only exist, and
    no movement has lost its postings."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        names = set(
            session.scalars(
                text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                    "('movements'::regclass, 'postings'::regclass)"
                )
            )
        )
        expected = {f"{t}_{s}" for t in ("movements", "postings") for s in ("append_only", "no_truncate")}
    else:
        names = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        expected = {f"{t}_append_only_{e}" for t in ("movements", "postings") for e in ("update", "delete")}
    problems = [f"missing append-only guard trigger {name}" for name in sorted(expected - names)]
    empty = session.scalars(
        select(Movement.id).where(~select(Posting.id).where(Posting.movement_id == Movement.id).exists()).limit(SAMPLE)
    ).all()
    problems += [f"movement {m} has no postings" for m in empty]
    return problems


def check_conservation(session: Session) -> list[str]:
    """2. Each movement's postings sum to zero per (owner, SKU, lot)."""
    rows = session.execute(
        select(Posting.movement_id, Posting.owner_id, Posting.sku_id, Posting.lot, func.sum(Posting.qty))
        .group_by(Posting.movement_id, Posting.owner_id, Posting.sku_id, Posting.lot)
        .having(func.sum(Posting.qty) != 0)
        .limit(SAMPLE + 1)
    ).all()
    return sample(rows, lambda r: f"movement {r[0]} owner {r[1]} SKU {r[2]} lot {r[3]!r} sums to {r[4]}")


def check_projection(session: Session) -> list[str]:
    """3. Every balance equals the sum of its postings; every stock level
    bucket equals the balances in it; reserved equals the open reservations."""
    key = (Posting.location_id, Posting.owner_id, Posting.sku_id, Posting.lot, Posting.condition)
    sums = select(*key, func.sum(Posting.qty).label("total")).group_by(*key).subquery()
    on = and_(
        sums.c.location_id == Balance.location_id,
        sums.c.owner_id == Balance.owner_id,
        sums.c.sku_id == Balance.sku_id,
        sums.c.lot == Balance.lot,
        sums.c.condition == Balance.condition,
    )
    wrong = session.execute(
        select(Balance.id, Balance.location_id, Balance.sku_id, Balance.qty, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, on)
        .where(Balance.qty != func.coalesce(sums.c.total, 0))
        .limit(SAMPLE + 1)
    ).all()
    problems = sample(
        wrong, lambda r: f"balance {r[0]} (location {r[1]}, SKU {r[2]}) is {r[3]}, postings sum to {r[4]}"
    )
    orphans = session.execute(
        select(sums.c.location_id, sums.c.sku_id, sums.c.total)
        .outerjoin(Balance, on)
        .where(Balance.id.is_(None), sums.c.total != 0)
        .limit(SAMPLE + 1)
    ).all()
    problems += sample(orphans, lambda r: f"postings at location {r[0]} SKU {r[1]} sum to {r[2]} but no balance row")
    problems += _check_levels(session)
    return problems


def _bucket_expr():
    """SQL mirror of ledger.rules.bucket_for over balances joined to locations."""
    return case(
        (Location.kind.in_(("inbound", "customer", "adjustment")), literal(None)),
        (Location.kind == "in_transit", literal("in_transit")),
        (or_(Balance.condition != "good", Location.kind == "quarantine"), literal("unsellable")),
        (Location.kind == "storage", literal("sellable")),
        (Location.kind == "dock", literal("receiving")),
        else_=literal("picked"),
    )


def _check_levels(session: Session) -> list[str]:
    bucket = _bucket_expr().label("bucket")
    per_bucket = session.execute(
        select(Balance.warehouse_id, Balance.sku_id, bucket, func.sum(Balance.qty))
        .join(Location, Location.id == Balance.location_id)
        .group_by(Balance.warehouse_id, Balance.sku_id, bucket)
    ).all()
    expected: dict[tuple[int, int], dict[str, int]] = {}
    for wh, sku, b, total in per_bucket:
        if b is not None and total:
            expected.setdefault((wh, sku), {})[b] = int(total)
    open_reserved = dict(
        ((wh, sku), int(total))
        for wh, sku, total in session.execute(
            select(
                Reservation.warehouse_id,
                Reservation.sku_id,
                func.sum(Reservation.qty - Reservation.consumed_qty - Reservation.released_qty),
            )
            .where(Reservation.status == "open")
            .group_by(Reservation.warehouse_id, Reservation.sku_id)
        )
    )
    problems = []
    seen = set()
    # The database's rows, not the objects the caller's session already holds:
    # services change levels with Core updates, so those objects can be stale.
    for level in session.scalars(select(StockLevel).execution_options(populate_existing=True)):
        key = (level.warehouse_id, level.sku_id)
        seen.add(key)
        for b in BUCKETS:
            want = expected.get(key, {}).get(b, 0)
            if getattr(level, b) != want:
                problems.append(
                    f"stock level warehouse {key[0]} SKU {key[1]}: {b} is {getattr(level, b)}, balances say {want}"
                )
        if level.reserved != open_reserved.get(key, 0):
            problems.append(
                f"stock level warehouse {key[0]} SKU {key[1]}: reserved is {level.reserved}, "
                f"open reservations say {open_reserved.get(key, 0)}"
            )
    for key in sorted(set(expected) - seen):
        problems.append(f"warehouse {key[0]} SKU {key[1]} has stock {expected[key]} but no stock level row")
    for key in sorted(set(open_reserved) - seen):
        problems.append(f"warehouse {key[0]} SKU {key[1]} has open reservations but no stock level row")
    return sample(problems, str)


def check_no_negative_stock(session: Session) -> list[str]:
    """4. No negative balance in a physical location."""
    rows = session.execute(
        select(Balance.id, Location.code, Balance.sku_id, Balance.qty)
        .join(Location, Location.id == Balance.location_id)
        .where(Location.is_virtual.is_(False), Balance.qty < 0)
        .limit(SAMPLE + 1)
    ).all()
    return sample(rows, lambda r: f"balance {r[0]} at {r[1]} SKU {r[2]} is negative ({r[3]})")


def check_reserved_within_sellable(session: Session) -> list[str]:
    """5. Reserved never exceeds sellable on hand, and is never negative."""
    rows = session.execute(
        select(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.reserved, StockLevel.sellable)
        .where(or_(StockLevel.reserved > StockLevel.sellable, StockLevel.reserved < 0))
        .limit(SAMPLE + 1)
    ).all()
    return sample(rows, lambda r: f"warehouse {r[0]} SKU {r[1]}: reserved {r[2]} exceeds sellable {r[3]}")


def check_owner_isolation(session: Session) -> list[str]:
    """6. A posting's, balance's, level's and reservation's owner is its SKU's owner."""
    problems = []
    for model in (Posting, Balance, StockLevel, Reservation):
        rows = session.execute(
            select(model.id, model.sku_id, model.owner_id, Sku.seller_id)
            .join(Sku, Sku.id == model.sku_id)
            .where(model.owner_id != Sku.seller_id)
            .limit(SAMPLE + 1)
        ).all()
        problems += sample(
            rows, lambda r, t=model.__tablename__: f"{t} {r[0]}: owner {r[2]} but SKU {r[1]} belongs to {r[3]}"
        )
    return problems


def check_idempotency(session: Session) -> list[str]:
    """7. Work done under an Idempotency-Key was committed with its stored
    response: no movement belongs to a key that is still in flight or whose
    recorded answer was an error (errors change nothing)."""
    rows = session.execute(
        select(Movement.id, IdempotencyKey.id, IdempotencyKey.status, IdempotencyKey.response_status)
        .join(IdempotencyKey, IdempotencyKey.id == Movement.idempotency_key_id)
        .where(or_(IdempotencyKey.status != "completed", IdempotencyKey.response_status >= 400))
        .limit(SAMPLE + 1)
    ).all()
    return sample(rows, lambda r: f"movement {r[0]} belongs to idempotency key {r[1]} ({r[2]}, status {r[3]})")


LEDGER_CHECKS: tuple[Check, ...] = (
    Check("1", "postings are append-only", check_append_only),
    Check("2", "conservation per movement", check_conservation),
    Check("3", "balances and levels equal their postings", check_projection),
    Check("4", "no negative stock in physical locations", check_no_negative_stock),
    Check("5", "reserved within sellable", check_reserved_within_sellable),
    Check("6", "owner isolation", check_owner_isolation),
    Check("7", "idempotent requests are atomic", check_idempotency),
)


def run(session: Session, checks: Sequence[Check]) -> list[CheckResult]:
    return [CheckResult(check.number, check.name, check.run(session)) for check in checks]


def run_ledger_checks(session: Session) -> list[CheckResult]:
    """The ledger's own invariants only (`wms check` runs wms.checks.run_checks:
    these, the areas' and the extensions')."""
    return run(session, LEDGER_CHECKS)
