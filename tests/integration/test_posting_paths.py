"""On PostgreSQL a movement is posted in one round trip by the SQL function
wms_post_movement() (migration 0007); on SQLite statement by statement. The
same random sequence of movements (receipts, moves, picks that consume
reservations, adjustments, movements that must fail) posted through both
paths leaves identical postings, balances, stock levels and reservations,
and raises the same errors with the same messages."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from tests.factories import SkuFactory, make_world
from wms.db import transaction
from wms.errors import DomainError
from wms.facility.models import Location
from wms.ledger import services as ledger
from wms.ledger.models import Balance, Movement, Posting, Reservation, StockLevel
from wms.ledger.rules import PostingLine, bucket_for
from wms.ledger.services import post_movement, reserve_stock


@pytest.fixture
def postgres(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("wms_post_movement() exists on PostgreSQL only")


def _script(session, world, seed: int) -> list[dict]:
    """A random sequence of movements in WH1 (some over-drawing on purpose)."""
    rng = random.Random(seed)
    locs = {loc.kind: loc for loc in session.scalars(select(Location).where(
        Location.warehouse_id == world.wh1.id, Location.kind != "storage"))}
    bins = list(session.scalars(select(Location.id).where(Location.warehouse_id == world.wh1.id,
                                                          Location.kind == "storage").order_by(Location.id).limit(3)))
    keys = [(world.skus_a[0].id, "", "good"), (world.skus_a[1].id, "L1", "good"), (world.skus_b[0].id, "", "good"),
            (world.skus_a[0].id, "", "damaged")]
    steps = []
    for _ in range(80):
        sku, lot, condition = rng.choice(keys)
        what = rng.choice(["receive", "receive", "putaway", "putaway", "move", "adjust_out", "pick", "reserve",
                           "ship"])
        qty = rng.randint(10, 30) if what == "receive" else rng.randint(1, 12)
        a, b = rng.sample(bins, 2)
        if what == "receive":
            lines = [(locs["inbound"].id, -qty), (locs["dock"].id, qty)]
        elif what == "putaway":
            lines = [(locs["dock"].id, -qty), (a, qty)]
        elif what == "move":
            lines = [(a, -qty), (b, qty)]
        elif what == "adjust_out":
            lines = [(a, -qty), (locs["adjustment"].id, qty)]
        elif what == "ship":
            lines = [(locs["pack"].id, -qty), (locs["customer"].id, qty)]
        elif what == "reserve":
            steps.append({"reserve": (sku, qty)})
            continue
        else:
            lines = [(a, -qty), (locs["pack"].id, qty)]
        steps.append({"kind": "move", "lines": [PostingLine(loc, sku, q, lot, condition) for loc, q in lines],
                      "consume": what == "pick"})
    return steps


class _Undo(Exception):
    pass


def _run(session, world, steps, *, one_round_trip: bool, monkeypatch) -> tuple[list, dict]:
    """Post the steps in one transaction (each in a savepoint, as a failed
    movement leaves nothing), read the ledger, roll everything back."""
    monkeypatch.setattr(ledger, "_one_round_trip", lambda _session: one_round_trip)
    outcomes = []
    try:
        _post_all(session, world, steps, outcomes)
    except _Undo as undo:
        return outcomes, undo.args[0]
    raise AssertionError("not rolled back")


def _post_all(session, world, steps, outcomes) -> None:
    with transaction(session):
        reservations: list[int] = []
        for step in steps:
            inner = session.begin_nested()
            try:
                if "reserve" in step:
                    sku, qty = step["reserve"]
                    reservations.append(reserve_stock(session, warehouse_id=world.wh1.id, sku_id=sku, qty=qty).id)
                    outcome = "reserved"
                else:
                    consume = []
                    if step["consume"] and reservations:
                        open_ = session.get(Reservation, reservations[-1])
                        session.refresh(open_)
                        taken = sum(-ln.qty for ln in step["lines"] if ln.qty < 0 and ln.sku_id == open_.sku_id)
                        if open_.status == "open" and taken:
                            consume = [(open_.id, min(taken, open_.open_qty) or 1)]
                    movement = post_movement(session, warehouse_id=world.wh1.id, kind=step["kind"],
                                             lines=step["lines"], consume=consume, reference="diff")
                    outcome = [(p.location_id, p.sku_id, p.lot, p.condition, p.qty, p.owner_id, p.warehouse_id,
                                p.is_virtual) for p in movement.postings]
                inner.commit()
            except DomainError as exc:
                inner.rollback()
                outcome = (type(exc).__name__, str(exc))
            outcomes.append(outcome)
        state = {
            "postings": [tuple(r) for r in session.execute(
                select(Posting.location_id, Posting.sku_id, Posting.lot, Posting.condition, Posting.qty,
                       Posting.owner_id, Posting.is_virtual)
                .join(Movement, Movement.id == Posting.movement_id).where(Movement.reference == "diff")
                .order_by(Posting.id))],
            "balances": sorted(tuple(r) for r in session.execute(
                select(Balance.location_id, Balance.owner_id, Balance.sku_id, Balance.lot, Balance.condition,
                       Balance.qty))),
            "levels": sorted(tuple(r) for r in session.execute(
                select(StockLevel.warehouse_id, StockLevel.sku_id, StockLevel.owner_id, StockLevel.sellable,
                       StockLevel.reserved, StockLevel.receiving, StockLevel.unsellable, StockLevel.picked,
                       StockLevel.in_transit, StockLevel.expected))),
            "reservations": [tuple(r) for r in session.execute(
                select(Reservation.sku_id, Reservation.qty, Reservation.consumed_qty, Reservation.released_qty,
                       Reservation.status).order_by(Reservation.id))],
        }
        raise _Undo(state)


@pytest.mark.parametrize("seed", range(5))
def test_both_paths_leave_the_same_ledger_and_raise_the_same_errors(session, postgres, monkeypatch, seed):
    world = make_world(session)
    steps = _script(session, world, seed)
    by_function = _run(session, world, steps, one_round_trip=True, monkeypatch=monkeypatch)
    by_statements = _run(session, world, steps, one_round_trip=False, monkeypatch=monkeypatch)
    assert by_function[0] == by_statements[0]
    assert by_function[1] == by_statements[1]
    failures = [o for o in by_function[0] if isinstance(o, tuple)]
    assert failures and len(failures) < len(steps) - 10  # the script exercises both outcomes


def test_a_movement_is_one_statement_on_postgresql(session, postgres, count_statements):
    world = make_world(session)
    sku = SkuFactory(seller=world.seller_a, code="ONE-1")
    inbound, dock = (session.scalar(select(Location).where(Location.warehouse_id == world.wh1.id,
                                                           Location.kind == kind)) for kind in ("inbound", "dock"))
    session.commit()
    with count_statements() as statements:
        post_movement(session, warehouse_id=world.wh1.id, kind="receipt",
                      lines=[PostingLine(inbound.id, sku.id, -3), PostingLine(dock.id, sku.id, 3)])
    sent = [s for s in statements if "SAVEPOINT" not in s]
    assert len(sent) == 1 and sent[0].startswith("SELECT wms_post_movement("), sent


def test_the_functions_bucket_rule_is_the_pythons(session, postgres):
    kinds = ("storage", "dock", "quarantine", "pack", "ship", "inbound", "customer", "adjustment", "in_transit")
    for kind in kinds:
        for condition in ("good", "damaged"):
            assert session.scalar(select(func.wms_bucket(kind, condition))) == \
                bucket_for(kind, condition), (kind, condition)


def test_a_movement_by_a_person_is_one_statement_that_records_the_person(session, postgres, count_statements):
    """Migration 0016: the user goes into movement_users in the same round trip."""
    from wms.auth.principal import Principal
    from wms.auth.users import create_user
    from wms.ledger.models import MovementUser

    world = make_world(session)
    sku = SkuFactory(seller=world.seller_a, code="ONE-2")
    user = create_user(session, Principal.system(), login="dock.ann", name="Ann", role="operator",
                       warehouses=["WH1"], password="a long enough password 1")
    inbound, dock = (session.scalar(select(Location).where(Location.warehouse_id == world.wh1.id,
                                                           Location.kind == kind)) for kind in ("inbound", "dock"))
    session.commit()
    actor = Principal(role="operator", warehouse_ids=frozenset({world.wh1.id}), user_id=user.id, name="Ann")
    with count_statements() as statements:
        movement = post_movement(session, warehouse_id=world.wh1.id, kind="receipt", actor=actor,
                                 lines=[PostingLine(inbound.id, sku.id, -2), PostingLine(dock.id, sku.id, 2)])
    sent = [s for s in statements if "SAVEPOINT" not in s]
    assert len(sent) == 1 and sent[0].startswith("SELECT wms_post_movement("), sent
    assert session.scalar(select(MovementUser.user_id).where(MovementUser.movement_id == movement.id)) == user.id
    without = post_movement(session, warehouse_id=world.wh1.id, kind="receipt",
                            lines=[PostingLine(inbound.id, sku.id, -1), PostingLine(dock.id, sku.id, 1)])
    assert session.scalar(select(MovementUser.user_id).where(MovementUser.movement_id == without.id)) is None
