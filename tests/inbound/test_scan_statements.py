"""Statements per scan (the unit-test guard of the speed issue; the timing
is measured in bench/): a receiving scan and a putaway confirmation run a
fixed number of SQL statements, whatever the warehouse holds and however
old the ledger is, and no more than their ceilings. On PostgreSQL a
movement is one statement (wms_post_movement()), on SQLite six or more.

Savepoint statements are the test harness's, not the request's."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import put_stock
from tests.inbound.conftest import complete, create_asn, new_key, ok, open_tasks, receive
from wms.facility.models import Location

# The exact counts per dialect: a change that adds statements to a scan must
# change them knowingly (and one that saves some, lower them). Issue 12 cut
# them from 24 / 19 (PostgreSQL) with per-process caches (wms.cache: token,
# locations, codes), the seller from the SKU's own query, the
# slotting plan and homes in one query and the task's completion returned
# by its guarded update. The first scan of each test fills the caches.
# On PostgreSQL, row-level security (migration 0015) enters and leaves the
# caller's scope in each transaction: one statement each (issue 12 merged
# SET LOCAL ROLE into the set_config statement, and RESET ROLE too).
RECEIVE_STATEMENTS = {"postgresql": 18, "sqlite": 19}
PUTAWAY_STATEMENTS = {"postgresql": 16, "sqlite": 16}


def _sent(statements: list[str]) -> list[str]:
    return [s for s in statements if "SAVEPOINT" not in s]


def _grow(session, world, rounds: int) -> None:
    """Fill every other bin of WH1 with BETA's stock and age the ledger."""
    bins = list(session.scalars(select(Location.code).where(
        Location.warehouse_id == world.wh1.id, Location.kind == "storage").order_by(Location.id)))
    for i, code in enumerate(bins[2::2]):
        for _ in range(rounds):
            put_stock(session, world.wh1, code, world.skus_b[i % 2], 1)
    session.commit()


def _dialect(session) -> str:
    return session.get_bind().dialect.name


def test_a_receiving_scan_costs_the_same_statements_in_a_full_warehouse_with_an_old_ledger(
        session, world, apis, count_statements, frozen_cache_clock):
    asn = create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 5000}])
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1)  # the first scan fills per-process caches

    def scan() -> list[str]:
        session.commit()
        with count_statements() as statements:
            ok(apis.wh1_operator.post(f"/asns/{asn['id']}/receipts", json={"barcode": "BA-1", "qty": 2},
                                      headers={"Idempotency-Key": new_key()}), 201)
        return _sent(statements)

    small = scan()
    _grow(session, world, rounds=5)
    grown = scan()

    assert len(grown) == len(small), "\n".join(grown)
    assert len(small) == RECEIVE_STATEMENTS[_dialect(session)], "\n".join(small)


def test_a_putaway_confirmation_costs_the_same_statements_in_a_full_warehouse_with_an_old_ledger(
        session, world, apis, count_statements, frozen_cache_clock):
    asn = create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 5000}])
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=40)
    [task] = open_tasks(apis.admin)

    def confirm() -> list[str]:
        session.commit()
        with count_statements() as statements:
            ok(complete(apis.wh1_operator, task["id"], location=task["suggested_location"], qty=1))
        return _sent(statements)

    confirm()
    small = confirm()
    _grow(session, world, rounds=5)
    grown = confirm()

    assert len(grown) == len(small), "\n".join(grown)
    assert len(small) == PUTAWAY_STATEMENTS[_dialect(session)], "\n".join(small)
