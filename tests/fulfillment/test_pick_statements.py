"""Statements per pick confirmation (the unit-test guard of the speed
issue; timing is measured in bench/): a fixed number of SQL statements,
whatever the warehouse holds and however old the ledger is, and no more
than its ceiling. Savepoint statements are the test harness's."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import put_stock
from tests.fulfillment.conftest import confirm, ok, place, plan
from wms.facility.models import Location

# The exact counts: a change that adds statements to a pick must change them
# knowingly. Issue 12 cut them from 32 (PostgreSQL): the pick list and the
# order each read once after their lock (lines and picks after it, apart);
# locations, the carts, the barcode's SKU and response codes from
# per-process caches (wms.cache); no refresh of what the request holds locked.
# On PostgreSQL, row-level security (migration 0015) enters and leaves the
# caller's scope in each transaction: one statement each (issue 12 merged
# SET LOCAL ROLE into the set_config statement, and RESET ROLE too).
PICK_STATEMENTS = {"postgresql": 23, "sqlite": 26}


def test_a_pick_confirmation_costs_the_same_statements_in_a_full_warehouse_with_an_old_ledger(
        session, world, apis, count_statements, frozen_cache_clock):
    def pick_one() -> list[str]:
        """Order one A-1, plan its wave, and count the statements of its pick."""
        place(apis.acme, ("A-1", 1))
        [pick_list] = plan(apis.wh1_operator)["pick_lists"]
        [pick] = pick_list["picks"]
        session.commit()
        with count_statements() as statements:
            ok(confirm(apis.wh1_operator, pick_list["id"], pick["seq"], location=pick["location"], barcode="BA-1",
                       qty=1))
        return [s for s in statements if "SAVEPOINT" not in s]

    pick_one()
    small = pick_one()
    bins = list(session.scalars(select(Location.code).where(
        Location.warehouse_id == world.wh1.id, Location.kind == "storage").order_by(Location.id)))
    for i, code in enumerate(bins[2::2]):
        for _ in range(5):
            put_stock(session, world.wh1, code, world.skus_b[i % 2], 1)
    grown = pick_one()

    assert len(grown) == len(small), "\n".join(grown)
    assert len(small) == PICK_STATEMENTS[session.get_bind().dialect.name], "\n".join(small)
