"""Every invariant of the stock ledger (DESIGN.md, "The stock ledger"), each
shown to hold through the services, to be guarded by the database where the
design says so, and to be found by `wms check` when it is broken anyway.

Tests that corrupt data on purpose do it inside a savepoint that is always
rolled back (`scratch`), because the session fixture runs the whole check
after every test.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.factories import ADMIN, World, loc, make_world
from wms.auth.principal import Principal
from wms.auth.services import create_token
from wms.checks import all_checks, run_checks
from wms.cli import main as wms_cli
from wms.db import make_sessionmaker
from wms.errors import InsufficientStock, InvalidState, ValidationFailed
from wms.facility.models import Location
from wms.facility.services import virtual_location
from wms.idempotency_models import IdempotencyKey
from wms.inventory.services import adjust_stock, list_location_balances, list_movements, list_stock, move_stock
from wms.ledger.checks import (
    check_append_only,
    check_conservation,
    check_idempotency,
    check_no_negative_stock,
    check_owner_isolation,
    check_projection,
    check_reserved_within_sellable,
)
from wms.ledger.models import Balance, Movement, Posting, Reservation, StockLevel
from wms.ledger.rules import BUCKETS, PostingLine, bucket_for
from wms.ledger.services import post_movement, release_reservation, reserve_stock

BIN = "A01-01-1"  # make_world puts 10 of A-1 here in WH1
BIN_B = "A01-02-1"  # and 7 of B-1 here
_levels = StockLevel.__table__


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def scratch(session: Session) -> Iterator[None]:
    """A savepoint that is always rolled back, for changes no test may keep."""
    savepoint = session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


@contextmanager
def unguarded(session: Session, table: str, constraint: str) -> Iterator[None]:
    """A scratch savepoint in which one database guard is off, to plant a row
    the database would refuse and show that `wms check` still finds it."""
    if is_postgres(session):
        with scratch(session):
            # DDL is transactional: the savepoint's rollback restores the constraint.
            session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"))
            yield
        return
    # SQLite cannot drop a constraint in place; switch its enforcement off for
    # this connection instead (a deferred foreign key is only checked at a
    # COMMIT, which a rolled-back savepoint never reaches).
    pragma = "ignore_check_constraints" if constraint.startswith("ck_") else "defer_foreign_keys"
    session.execute(text(f"PRAGMA {pragma} = ON"))
    try:
        with scratch(session):
            yield
    finally:
        session.execute(text(f"PRAGMA {pragma} = OFF"))


def location_id(session: Session, world: World, code: str, warehouse=None) -> int:
    return loc(session, warehouse or world.wh1, code).id


def balance_of(session: Session, location: int, sku_id: int, lot: str = "", condition: str = "good") -> int:
    qty = session.scalar(
        select(Balance.qty).where(
            Balance.location_id == location, Balance.sku_id == sku_id,
            Balance.lot == lot, Balance.condition == condition,
        )
    )
    return qty or 0


def level_of(session: Session, warehouse_id: int, sku_id: int) -> StockLevel:
    return session.scalars(
        select(StockLevel).where(StockLevel.warehouse_id == warehouse_id, StockLevel.sku_id == sku_id)
    ).one()


def snapshot(session: Session) -> tuple:
    """Everything a stock change could touch, to show that a refusal changed nothing."""
    session.expire_all()

    def rows(*columns) -> list[tuple]:
        return sorted(tuple(row) for row in session.execute(select(*columns)))

    return (
        session.scalar(select(func.count()).select_from(Movement)),
        session.scalar(select(func.count()).select_from(Posting)),
        rows(Balance.location_id, Balance.owner_id, Balance.sku_id, Balance.lot, Balance.condition, Balance.qty),
        rows(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.reserved, *(_levels.c[b] for b in BUCKETS)),
        rows(Reservation.id, Reservation.status, Reservation.qty),
    )


def adjust(session: Session, location: str, sku, qty: int, reason: str = "found", warehouse: str = "WH1"):
    return adjust_stock(session, ADMIN, warehouse=warehouse, location=location, sku=sku.id, qty=qty, reason=reason)


def sql_movement(session: Session, warehouse_id: int, **values) -> int:
    return session.execute(
        insert(Movement.__table__).values(warehouse_id=warehouse_id, kind="adjustment", **values)
        .returning(Movement.__table__.c.id)
    ).scalar_one()


def sql_posting(session: Session, movement_id: int, location: Location, owner_id: int, sku_id: int, qty: int) -> None:
    session.execute(insert(Posting.__table__).values(
        movement_id=movement_id, warehouse_id=location.warehouse_id, location_id=location.id,
        is_virtual=location.is_virtual, owner_id=owner_id, sku_id=sku_id, lot="", condition="good", qty=qty,
    ))


# --- 1. Postings are append-only -------------------------------------------------

LEDGER_ROW_CHANGES = {
    "update a posting": "UPDATE postings SET qty = qty + 1",
    "delete a posting": "DELETE FROM postings",
    "update a movement": "UPDATE movements SET note = 'rewritten'",
    "delete a movement": "DELETE FROM movements",
}


@pytest.mark.parametrize("statement", LEDGER_ROW_CHANGES.values(), ids=LEDGER_ROW_CHANGES.keys())
def test_the_database_refuses_to_change_or_remove_ledger_rows(session, world, statement):
    before = snapshot(session)
    with scratch(session), pytest.raises(IntegrityError, match="append-only"):
        session.execute(text(statement))
    assert snapshot(session) == before


@pytest.mark.parametrize("table", ["postings", "movements"])
def test_postgres_refuses_to_truncate_ledger_tables(session, world, table):
    if not is_postgres(session):
        pytest.skip("SQLite has no TRUNCATE")
    with scratch(session), pytest.raises(IntegrityError, match="append-only"):
        session.execute(text(f"TRUNCATE {table} CASCADE"))
    assert session.scalar(select(func.count()).select_from(Posting)) > 0


def _append_only_triggers(session: Session) -> list[tuple[str, str]]:
    if is_postgres(session):
        return [(f"{t}_{s}", t) for t in ("movements", "postings") for s in ("append_only", "no_truncate")]
    return [(f"{t}_append_only_{e}", t) for t in ("movements", "postings") for e in ("update", "delete")]


def test_check_reports_each_missing_append_only_trigger(session, world):
    for trigger, table in _append_only_triggers(session):
        with scratch(session):
            drop = f"DROP TRIGGER {trigger} ON {table}" if is_postgres(session) else f"DROP TRIGGER {trigger}"
            session.execute(text(drop))
            assert check_append_only(session) == [f"missing append-only guard trigger {trigger}"]
    assert check_append_only(session) == []


def test_check_reports_a_movement_that_has_no_postings(session, world):
    with scratch(session):
        movement = sql_movement(session, world.wh1.id)
        assert check_append_only(session) == [f"movement {movement} has no postings"]


def test_a_mistake_is_corrected_by_a_new_movement_that_keeps_the_first(session, world):
    sku = world.skus_a[0]
    wrong = adjust(session, BIN, sku, 5)
    fix = adjust(session, BIN, sku, -5, reason="other")

    assert fix.id != wrong.id
    kept = session.execute(select(Posting.movement_id, Posting.qty).where(Posting.movement_id.in_([wrong.id, fix.id])))
    assert sorted(map(tuple, kept)) == [(wrong.id, -5), (wrong.id, 5), (fix.id, -5), (fix.id, 5)]
    assert balance_of(session, location_id(session, world, BIN), sku.id) == 10


# --- 2. Conservation ---------------------------------------------------------------

def test_post_movement_refuses_a_movement_that_does_not_sum_to_zero(session, world):
    sku = world.skus_a[0]
    before = snapshot(session)
    with pytest.raises(ValueError, match="does not balance"):
        post_movement(
            session, warehouse_id=world.wh1.id, kind="adjustment",
            lines=[PostingLine(location_id(session, world, BIN), sku.id, 5)],
        )
    assert snapshot(session) == before


def test_post_movement_refuses_a_movement_that_balances_only_across_lots(session, world):
    sku = world.skus_a[0]
    bin_id = location_id(session, world, BIN)
    with pytest.raises(ValueError, match="does not balance"):
        post_movement(
            session, warehouse_id=world.wh1.id, kind="move",
            lines=[PostingLine(bin_id, sku.id, 3, lot="L2"), PostingLine(bin_id, sku.id, -3, lot="")],
        )


def test_check_reports_an_unbalanced_posting_written_in_sql(session, world):
    sku = world.skus_a[0]
    bin_ = loc(session, world.wh1, BIN)
    with scratch(session):
        movement = sql_movement(session, world.wh1.id, reason="found")
        sql_posting(session, movement, bin_, sku.seller_id, sku.id, 4)
        problems = check_conservation(session)
    assert problems == [f"movement {movement} owner {sku.seller_id} SKU {sku.id} lot '' sums to 4"]


def test_every_movement_made_through_the_services_sums_to_zero(session, world):
    sku = world.skus_a[0]
    move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="QUARANTINE", sku=sku.id, qty=2)
    adjust(session, "DOCK", sku, 3)
    assert check_conservation(session) == []
    per_movement = session.execute(
        select(Posting.movement_id, func.sum(Posting.qty)).group_by(Posting.movement_id)
    ).all()
    assert per_movement and all(total == 0 for _, total in per_movement)


# --- 3. Projection -----------------------------------------------------------------

def test_check_reports_a_balance_tampered_in_sql(session, world):
    sku = world.skus_a[0]
    bin_id = location_id(session, world, BIN)
    with scratch(session):
        session.execute(
            update(Balance.__table__).where(Balance.location_id == bin_id, Balance.sku_id == sku.id).values(qty=11)
        )
        problems = check_projection(session)
    assert any(f"(location {bin_id}, SKU {sku.id}) is 11, postings sum to 10" in p for p in problems), problems


def test_check_reports_postings_whose_balance_row_was_removed(session, world):
    sku = world.skus_a[0]
    bin_id = location_id(session, world, BIN)
    with scratch(session):
        session.execute(text("DELETE FROM balances WHERE location_id = :l AND sku_id = :s"), {"l": bin_id, "s": sku.id})
        problems = check_projection(session)
    assert f"postings at location {bin_id} SKU {sku.id} sum to 10 but no balance row" in problems


@pytest.mark.parametrize("bucket", BUCKETS)
def test_check_reports_a_stock_level_bucket_tampered_in_sql(session, world, bucket):
    sku = world.skus_a[0]
    level = level_of(session, world.wh1.id, sku.id)
    want = getattr(level, bucket)
    with scratch(session):
        session.execute(update(StockLevel.__table__).where(StockLevel.id == level.id).values({bucket: want + 1}))
        problems = check_projection(session)
    wh = world.wh1.id
    assert problems == [f"stock level warehouse {wh} SKU {sku.id}: {bucket} is {want + 1}, balances say {want}"]


def test_check_reports_reserved_that_does_not_match_the_open_reservations(session, world):
    sku = world.skus_a[0]
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=2)
    level = level_of(session, world.wh1.id, sku.id)
    with scratch(session):
        session.execute(update(StockLevel.__table__).where(StockLevel.id == level.id).values(reserved=3))
        problems = check_projection(session)
    assert problems == [
        f"stock level warehouse {world.wh1.id} SKU {sku.id}: reserved is 3, open reservations say 2"
    ]


def test_check_reports_stock_without_a_stock_level_row(session, world):
    sku = world.skus_a[0]
    with scratch(session):
        session.execute(
            text("DELETE FROM stock_levels WHERE warehouse_id = :w AND sku_id = :s"), {"w": world.wh1.id, "s": sku.id}
        )
        problems = check_projection(session)
    assert problems == [f"warehouse {world.wh1.id} SKU {sku.id} has stock {{'sellable': 10}} but no stock level row"]


def test_balances_and_stock_levels_equal_the_postings_after_a_run_of_service_calls(session, world):
    a1, a2, b1 = world.skus_a[0], world.skus_a[1], world.skus_b[0]
    adjust(session, "DOCK", a2, 12)
    move_stock(session, ADMIN, warehouse="WH1", from_location="DOCK", to_location="A02-01-1", sku=a2.id, qty=9)
    move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="A02-01-1", sku=a1.id, qty=4)
    move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="PACK", sku=a1.id, qty=1)
    adjust_stock(session, ADMIN, warehouse="WH1", location="QUARANTINE", sku=b1.id, qty=2, reason="found",
                 condition="damaged")
    adjust(session, BIN_B, b1, -3, reason="lost")
    reservation = reserve_stock(session, warehouse_id=world.wh1.id, sku_id=a2.id, qty=5)
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=a1.id, qty=2)
    release_reservation(session, reservation.id)

    session.expire_all()  # read what the services wrote, not objects loaded on the way
    posted: dict[tuple, int] = defaultdict(int)
    for p in session.scalars(select(Posting)):
        posted[(p.location_id, p.owner_id, p.sku_id, p.lot, p.condition)] += p.qty
    balances = {
        (b.location_id, b.owner_id, b.sku_id, b.lot, b.condition): b.qty for b in session.scalars(select(Balance))
    }
    assert balances == dict(posted)

    kinds = dict(session.execute(select(Location.id, Location.kind)).all())
    buckets: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKETS, 0))
    for b in session.scalars(select(Balance)):
        bucket = bucket_for(kinds[b.location_id], b.condition)
        if bucket:
            buckets[(b.warehouse_id, b.sku_id)][bucket] += b.qty
    levels = {
        (lv.warehouse_id, lv.sku_id): {b: getattr(lv, b) for b in BUCKETS} for lv in session.scalars(select(StockLevel))
    }
    assert levels == dict(buckets)
    assert buckets[(world.wh1.id, a1.id)] == dict(sellable=9, receiving=0, unsellable=0, picked=1, in_transit=0)
    assert buckets[(world.wh1.id, b1.id)]["unsellable"] == 2
    assert level_of(session, world.wh1.id, a1.id).reserved == 2
    assert level_of(session, world.wh1.id, a2.id).reserved == 0
    assert check_projection(session) == []


# --- 4. No negative stock in a physical location ---------------------------------------

def test_taking_more_than_a_location_holds_is_insufficient_stock_and_writes_nothing(session, world):
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        adjust(session, BIN, world.skus_a[0], -11, reason="lost")
    assert snapshot(session) == before


def test_moving_more_than_a_location_holds_is_insufficient_stock_and_writes_nothing(session, world):
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="A02-01-1",
                   sku=world.skus_a[0].id, qty=11)
    assert snapshot(session) == before


def test_taking_from_a_location_that_never_held_the_sku_is_insufficient_stock(session, world):
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        adjust(session, "A03-01-1", world.skus_a[0], -1, reason="lost")
    assert snapshot(session) == before


def test_taking_exactly_what_a_location_holds_leaves_it_at_zero(session, world):
    adjust(session, BIN, world.skus_a[0], -10, reason="lost")
    assert balance_of(session, location_id(session, world, BIN), world.skus_a[0].id) == 0
    assert level_of(session, world.wh1.id, world.skus_a[0].id).sellable == 0


def test_the_database_refuses_a_negative_balance_in_a_physical_location(session, world):
    bin_id = location_id(session, world, BIN)
    with scratch(session), pytest.raises(IntegrityError):
        session.execute(update(Balance.__table__).where(Balance.location_id == bin_id).values(qty=-1))


def test_virtual_locations_go_negative_as_stock_enters_through_them(session, world):
    source = virtual_location(session, world.wh1.id, "adjustment")
    assert balance_of(session, source.id, world.skus_a[0].id) == -10
    with scratch(session):
        session.execute(update(Balance.__table__).where(Balance.location_id == source.id).values(qty=-1000))
        assert check_no_negative_stock(session) == []


def test_check_reports_a_negative_balance_that_got_past_the_constraint(session, world):
    bin_id = location_id(session, world, BIN)
    with unguarded(session, "balances", "ck_balances_nonnegative"):
        session.execute(update(Balance.__table__).where(Balance.location_id == bin_id).values(qty=-2))
        problems = check_no_negative_stock(session)
    assert len(problems) == 1 and f"at {BIN} SKU {world.skus_a[0].id} is negative (-2)" in problems[0]


# --- 5. Reserved never exceeds sellable ------------------------------------------------

def test_reserving_more_than_is_available_is_insufficient_stock_and_changes_nothing(session, world):
    sku = world.skus_a[0]
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=6)
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=5)
    assert snapshot(session) == before
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=4)
    level = level_of(session, world.wh1.id, sku.id)
    assert (level.sellable, level.reserved, level.available) == (10, 10, 0)


def test_reserving_a_sku_never_stocked_in_the_warehouse_is_insufficient_stock(session, world):
    with pytest.raises(InsufficientStock):
        reserve_stock(session, warehouse_id=world.wh2.id, sku_id=world.skus_b[0].id, qty=1)
    assert session.scalar(select(func.count()).select_from(Reservation)) == 0


def test_an_adjustment_cannot_take_reserved_stock(session, world):
    sku = world.skus_a[0]
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=8)
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        adjust(session, BIN, sku, -3, reason="damage")
    assert snapshot(session) == before
    adjust(session, BIN, sku, -2, reason="damage")
    level = level_of(session, world.wh1.id, sku.id)
    assert (level.sellable, level.reserved) == (8, 8)


def test_moving_reserved_stock_out_of_storage_is_refused_but_between_bins_is_not(session, world):
    sku = world.skus_a[0]
    reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=10)
    before = snapshot(session)
    with pytest.raises(InsufficientStock):
        move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="QUARANTINE", sku=sku.id, qty=1)
    assert snapshot(session) == before
    # Between storage bins the units stay sellable, so the reservation still holds.
    move_stock(session, ADMIN, warehouse="WH1", from_location=BIN, to_location="A02-01-1", sku=sku.id, qty=10)
    assert level_of(session, world.wh1.id, sku.id).sellable == 10


def test_the_database_refuses_reserved_above_sellable(session, world):
    level = level_of(session, world.wh1.id, world.skus_a[0].id)
    with scratch(session), pytest.raises(IntegrityError):
        session.execute(update(StockLevel.__table__).where(StockLevel.id == level.id).values(reserved=11))


def test_check_reports_reserved_above_sellable_that_got_past_the_constraint(session, world):
    level = level_of(session, world.wh1.id, world.skus_a[0].id)
    with unguarded(session, "stock_levels", "ck_stock_levels_reserved_within_sellable"):
        session.execute(update(StockLevel.__table__).where(StockLevel.id == level.id).values(reserved=11))
        problems = check_reserved_within_sellable(session)
    assert problems == [f"warehouse {world.wh1.id} SKU {world.skus_a[0].id}: reserved 11 exceeds sellable 10"]


def test_releasing_gives_the_units_back_and_releasing_twice_is_invalid_state(session, world):
    sku = world.skus_a[0]
    reservation = reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku.id, qty=4)
    released = release_reservation(session, reservation.id)
    assert released.status == "released" and released.closed_at is not None
    before = snapshot(session)
    with pytest.raises(InvalidState):
        release_reservation(session, reservation.id)
    assert snapshot(session) == before
    level = level_of(session, world.wh1.id, sku.id)
    assert (level.reserved, level.available) == (0, 10)


# --- 6. Owner isolation ------------------------------------------------------------

def test_postings_record_the_skus_seller_as_owner(session, world):
    owners = session.execute(select(Posting.sku_id, Posting.owner_id).distinct()).all()
    by_sku = {s.id: s.seller_id for s in world.skus_a + world.skus_b}
    assert owners and all(owner == by_sku[sku] for sku, owner in owners)


def test_post_movement_refuses_to_move_stock_from_one_seller_to_another(session, world):
    a1, b1 = world.skus_a[0], world.skus_b[0]
    before = snapshot(session)
    with pytest.raises(ValueError, match="does not balance"):
        post_movement(
            session, warehouse_id=world.wh1.id, kind="move",
            lines=[PostingLine(location_id(session, world, BIN), a1.id, -3),
                   PostingLine(location_id(session, world, BIN_B), b1.id, 3)],
        )
    assert snapshot(session) == before


def test_the_database_refuses_a_posting_owned_by_another_seller_than_the_skus(session, world):
    sku = world.skus_a[0]
    bin_ = loc(session, world.wh1, BIN)
    with scratch(session):
        movement = sql_movement(session, world.wh1.id)
        with pytest.raises(IntegrityError):
            sql_posting(session, movement, bin_, world.seller_b.id, sku.id, 1)


@pytest.mark.parametrize("model", [Balance, StockLevel], ids=["balance", "stock level"])
def test_the_database_refuses_a_projection_row_owned_by_another_seller_than_the_skus(session, world, model):
    with scratch(session), pytest.raises(IntegrityError):
        session.execute(
            update(model.__table__).where(model.sku_id == world.skus_a[0].id).values(owner_id=world.seller_b.id)
        )


def test_check_reports_a_posting_whose_owner_got_past_the_foreign_key(session, world):
    sku = world.skus_a[0]
    bin_ = loc(session, world.wh1, BIN)
    with unguarded(session, "postings", "fk_postings_sku_id_owner_id_skus"):
        movement = sql_movement(session, world.wh1.id)
        sql_posting(session, movement, bin_, world.seller_b.id, sku.id, 1)
        problems = check_owner_isolation(session)
    assert len(problems) == 1
    assert f"owner {world.seller_b.id} but SKU {sku.id} belongs to {world.seller_a.id}" in problems[0]


def seller(world_seller) -> Principal:
    return Principal(role="seller", seller_id=world_seller.id, name=world_seller.code)


def test_a_seller_lists_only_its_own_stock_levels(session, world):
    rows = list_stock(session, seller(world.seller_b))
    assert [(r["warehouse"], r["seller"], r["sku"], r["sellable"]) for r in rows] == [("WH1", "BETA", "B-1", 7)]
    assert {r["seller"] for r in list_stock(session, seller(world.seller_a))} == {"ACME"}
    assert list_stock(session, seller(world.seller_b), seller="ACME") == []


def test_a_seller_lists_only_its_own_location_balances(session, world):
    rows = list_location_balances(session, seller(world.seller_b), warehouse="WH1")
    assert [(r["location"], r["sku"], r["on_hand"]) for r in rows] == [(BIN_B, "B-1", 7)]
    assert list_location_balances(session, seller(world.seller_b), location=BIN) == []
    assert {r["seller"] for r in list_location_balances(session, seller(world.seller_a))} == {"ACME"}


def test_a_seller_sees_only_its_own_postings_of_a_movement_it_shares_with_another(session, world):
    a1, b1 = world.skus_a[0], world.skus_b[0]
    shared = post_movement(  # one trolley, two sellers' goods: one movement
        session, warehouse_id=world.wh1.id, kind="move",
        lines=[PostingLine(location_id(session, world, BIN), a1.id, -1),
               PostingLine(location_id(session, world, "PACK"), a1.id, 1),
               PostingLine(location_id(session, world, BIN_B), b1.id, -1),
               PostingLine(location_id(session, world, "PACK"), b1.id, 1)],
    )
    movements = list_movements(session, seller(world.seller_b))
    assert movements[-1]["id"] == shared.id
    assert len(list_movements(session, ADMIN)[-1]["postings"]) == 4
    postings = [p for m in movements for p in m["postings"]]
    assert postings and {p["seller"] for p in postings} == {"BETA"}
    assert {p["sku"] for p in movements[-1]["postings"]} == {"B-1"}
    assert all(m["postings"] for m in movements)
    assert list_movements(session, seller(world.seller_b), seller="ACME") == []


def test_a_seller_cannot_read_stock_by_naming_another_sellers_sku(session, world):
    other = world.skus_a[0]
    for read in (list_stock, list_location_balances, list_movements):
        with pytest.raises(ValidationFailed):
            read(session, seller(world.seller_b), sku=str(other.id))
        with pytest.raises(ValidationFailed):
            read(session, seller(world.seller_b), sku=other.code, seller="ACME")


# --- 7. Idempotency at the data level ----------------------------------------------------

@pytest.mark.parametrize(
    "status, response_status, reported",
    [("in_flight", None, True), ("completed", 409, True), ("completed", 201, False)],
    ids=["in flight", "answered with an error", "completed"],
)
def test_check_reports_a_movement_under_a_key_that_did_not_complete_its_work(
    session, world, status, response_status, reported
):
    token, _raw = create_token(session, ADMIN, name="retrying client", role="admin")
    bin_ = loc(session, world.wh1, BIN)
    source = virtual_location(session, world.wh1.id, "adjustment")
    sku = world.skus_a[0]
    with scratch(session):
        key = session.execute(
            insert(IdempotencyKey.__table__).values(
                token_id=token.id, key="k-1", request_hash="0" * 64, method="POST", path="/api/v1/adjustments",
                status=status, response_status=response_status,
            ).returning(IdempotencyKey.__table__.c.id)
        ).scalar_one()
        movement = sql_movement(session, world.wh1.id, idempotency_key_id=key)
        sql_posting(session, movement, bin_, sku.seller_id, sku.id, 1)
        sql_posting(session, movement, source, sku.seller_id, sku.id, -1)
        problems = check_idempotency(session)
    expected = [f"movement {movement} belongs to idempotency key {key} ({status}, status {response_status})"]
    assert problems == (expected if reported else [])


# --- `wms check` end to end ----------------------------------------------------------

def _run_wms_check(url: str, monkeypatch) -> object:
    monkeypatch.setenv("WMS_DATABASE_URL", url)
    return CliRunner().invoke(wms_cli, ["check"])


def test_wms_check_exits_zero_on_a_clean_database(committed_db, monkeypatch):
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        world = make_world(s)
        reserve_stock(s, warehouse_id=world.wh1.id, sku_id=world.skus_a[0].id, qty=1)
    result = _run_wms_check(url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "ledger check clean" in result.output
    assert result.output.count("ok  ") == len(all_checks())  # the ledger's 7, inbound's, the extensions'


def test_wms_check_exits_non_zero_with_a_report_on_a_corrupted_database(committed_db, monkeypatch):
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        world = make_world(s)
        wh, sku = world.wh1.id, world.skus_a[0].id
    tamper = text("UPDATE stock_levels SET sellable = sellable + :d WHERE warehouse_id = :w AND sku_id = :s")
    with engine.begin() as conn:
        conn.execute(tamper, {"d": 3, "w": wh, "s": sku})
    try:
        result = _run_wms_check(url, monkeypatch)
    finally:
        # The fixture checks the database is clean before emptying it.
        with engine.begin() as conn:
            conn.execute(tamper, {"d": -3, "w": wh, "s": sku})
    assert result.exit_code == 1, result.output
    assert "FAIL 3. balances and levels equal their postings" in result.stdout
    assert f"stock level warehouse {wh} SKU {sku}: sellable is 13, balances say 10" in result.stdout
    assert "ok   1. postings are append-only" in result.stdout
    assert "ledger check failed" in result.stderr
    with make_sessionmaker(engine)() as s:
        assert all(r.ok for r in run_checks(s))
