"""Undoing a scan: the person who made it (or an admin) takes it back for a
few minutes. The undo is a new movement out of the dock (or quarantine),
never an edit; the line's counts, the expected stock and the putaway work go
back; once the units were put away, or the time is up, it is refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.inbound.conftest import (
    assert_problem,
    buckets,
    complete,
    create_asn,
    movement_count,
    new_key,
    ok,
    on_hand,
    open_tasks,
    receive,
    stock_of,
)
from wms.db import utcnow
from wms.inbound.models import Receipt
from wms.ledger.models import Movement


@pytest.fixture
def asn(apis) -> dict:
    return create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 20}, {"sku": "A-2", "qty": 5}])


def undo(api, asn_id: int, receipt_id: int, key: str | None = None):
    return api.post(f"/asns/{asn_id}/receipts/{receipt_id}/reverse", headers={"Idempotency-Key": key or new_key()})


def lines(asn: dict) -> dict[str, tuple[int, int, int]]:
    return {ln["sku"]: (ln["expected_qty"], ln["received_qty"], ln["damaged_qty"]) for ln in asn["lines"]}


def test_an_undone_scan_is_a_new_movement_and_puts_everything_back(apis, asn, session):
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=4)
    scan = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=3)

    undone = ok(undo(apis.wh1_operator, asn["id"], scan["receipt"]["id"]))

    assert undone["reversed_at"] is not None
    after = ok(apis.wh1_operator.get(f"/asns/{asn['id']}"))
    assert lines(after)["A-1"] == (20, 4, 0)
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(receiving=4, expected=16, sellable=10)
    assert on_hand(apis.admin, "WH1", "DOCK") == {("A-1", None, "good"): 4}
    assert sum(t["qty"] - t["qty_done"] for t in open_tasks(apis.wh1_operator)) == 4
    movements = session.scalars(select(Movement).where(Movement.kind == "receipt").order_by(Movement.id)).all()
    assert [(m.reason, m.reference) for m in movements] == [
        (None, "asn:PO-1001"), (None, "asn:PO-1001"), ("undo", f"asn:PO-1001:undo:{scan['receipt']['id']}")]
    assert session.get(Receipt, scan["receipt"]["id"]).reversal_movement_id == movements[-1].id
    session.commit()


def test_a_damaged_scan_comes_back_out_of_quarantine(apis, asn):
    scan = receive(apis.wh1_operator, asn["id"], barcode="BA-2", qty=2, condition="damaged")

    ok(undo(apis.wh1_operator, asn["id"], scan["receipt"]["id"]))

    assert lines(ok(apis.wh1_operator.get(f"/asns/{asn['id']}")))["A-2"] == (5, 0, 0)
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(expected=5)


def test_a_scan_is_undone_once(apis, asn, session):
    scan = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=3)
    ok(undo(apis.wh1_operator, asn["id"], scan["receipt"]["id"]))

    assert_problem(undo(apis.wh1_operator, asn["id"], scan["receipt"]["id"]), 409, "already_undone")
    assert movement_count(session, "receipt") == 2


def test_units_already_put_away_cannot_be_undone(apis, asn, session):
    scan = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=3)
    [task] = open_tasks(apis.wh1_operator)
    ok(complete(apis.wh1_operator, task["id"], location=task["suggested_location"], qty=1))

    assert_problem(undo(apis.wh1_operator, asn["id"], scan["receipt"]["id"]), 409, "already_moved")
    assert lines(ok(apis.wh1_operator.get(f"/asns/{asn['id']}")))["A-1"] == (20, 3, 0)
    assert movement_count(session, "receipt") == 1


def test_only_the_scanner_or_an_admin_undoes_and_only_for_a_few_minutes(apis, asn, session):
    first = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1)
    second = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1)
    third = receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=1)

    assert_problem(undo(apis.both_operator, asn["id"], first["receipt"]["id"]), 409, "not_your_scan")
    assert_problem(undo(apis.acme, asn["id"], first["receipt"]["id"]), 403, "forbidden")
    assert_problem(undo(apis.wh2_operator, asn["id"], first["receipt"]["id"]), 404, "not_found")
    ok(undo(apis.admin, asn["id"], first["receipt"]["id"]))
    session.execute(update(Receipt).where(Receipt.id == second["receipt"]["id"])
                    .values(created_at=utcnow() - timedelta(minutes=11)))
    session.commit()
    assert_problem(undo(apis.wh1_operator, asn["id"], second["receipt"]["id"]), 409, "undo_expired")
    ok(apis.wh1_operator.post(f"/asns/{asn['id']}/close"))
    assert_problem(undo(apis.wh1_operator, asn["id"], third["receipt"]["id"]), 409, "invalid_state")
