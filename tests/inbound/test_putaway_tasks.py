"""Putaway tasks: each good receipt creates tasks with suggested bins (the
rule of wms.inventory.rules over the warehouse's real occupancy), and
completing a task (POST /tasks/{id}/complete) moves the units from the dock
to the scanned bin.

WH1's bins nearest to the dock are A01-01-1, A01-01-2, A01-02-1 and
A01-02-2 (2 m), then A01-03-1 .. A01-04-2 (3 m); equally near bins go by
location id. A01-01-1 holds 10 A-1 and A01-02-1 holds 7 B-1 of BETA. A bin
takes 480 l and 250 kg: 480 of the world's 1-litre, 300 g SKUs."""
from __future__ import annotations

import pytest

from tests.inbound.conftest import (
    LEDGER_TABLES,
    assert_problem,
    buckets,
    complete,
    create_asn,
    movement_count,
    new_sku,
    ok,
    on_hand,
    open_tasks,
    receive,
    stock_of,
    table_counts,
)
from wms.inventory.models import Task


@pytest.fixture
def asn(apis) -> dict:
    """ACME's open ASN into WH1 for plenty of A-1, A-2 and the heavy H-1 (100 kg a unit: two to a bin)."""
    new_sku(apis.acme, "H-1", weight_g=100_000)
    return create_asn(apis.acme, lines=[{"sku": "A-1", "qty": 2000}, {"sku": "A-2", "qty": 2000},
                                        {"sku": "H-1", "qty": 20}])


def arrive(apis, asn: dict, barcode: str, qty: int) -> list[dict]:
    """Receive good units; return the putaway tasks the scan created."""
    before = {t["id"] for t in open_tasks(apis.admin)}
    receive(apis.wh1_operator, asn["id"], barcode=barcode, qty=qty)
    return [t for t in open_tasks(apis.admin) if t["id"] not in before]


def plan(tasks: list[dict]) -> list[tuple[str | None, int]]:
    return [(t["suggested_location"], t["qty"]) for t in tasks]


# --- suggestions ------------------------------------------------------------------

def test_a_sku_already_stored_is_suggested_into_the_bin_holding_it(apis, asn):
    assert plan(arrive(apis, asn, "BA-1", 8)) == [("A01-01-1", 8)]


def test_a_bin_holding_the_sku_is_preferred_even_when_far_from_the_dock(apis, asn):
    ok(apis.admin.post("/moves", json={"warehouse": "WH1", "from_location": "A01-01-1", "to_location": "A03-08-2",
                                       "sku": "A-1", "seller": "ACME", "qty": 10}), 201)

    assert plan(arrive(apis, asn, "BA-1", 8)) == [("A03-08-2", 8)]


def test_a_new_sku_goes_to_the_nearest_free_bin(apis, asn):
    assert plan(arrive(apis, asn, "BA-2", 8)) == [("A01-01-2", 8)]


def test_a_bin_promised_to_an_open_task_is_not_free_for_another_sku(apis, asn):
    arrive(apis, asn, "BA-2", 8)
    new_sku(apis.acme, "A-3")
    other = create_asn(apis.acme, reference="PO-2", lines=[{"sku": "A-3", "qty": 1}])
    receive(apis.wh1_operator, other["id"], barcode="BA-3", qty=1)
    beta = create_asn(apis.beta, reference="PO-B", lines=[{"sku": "B-2", "qty": 1}])
    receive(apis.wh1_operator, beta["id"], barcode="BB-2", qty=1)

    assert {t["sku"]: t["suggested_location"] for t in open_tasks(apis.admin)} == {
        "A-2": "A01-01-2", "A-3": "A01-02-2", "B-2": "A01-03-1"}


def test_more_of_a_sku_follows_its_open_task_into_the_promised_bin(apis, asn):
    arrive(apis, asn, "BA-2", 8)

    assert plan(arrive(apis, asn, "BA-2", 4)) == [("A01-01-2", 4)]


def test_a_bin_holding_another_sellers_sku_is_never_suggested(apis):
    beta = create_asn(apis.beta, lines=[{"sku": "B-1", "qty": 3}])
    receive(apis.wh1_operator, beta["id"], barcode="BB-1", qty=3)
    acme = create_asn(apis.acme, lines=[{"sku": "A-2", "qty": 3}])
    receive(apis.wh1_operator, acme["id"], barcode="BA-2", qty=3)

    assert {t["sku"]: t["suggested_location"] for t in open_tasks(apis.admin)} == {
        "B-1": "A01-02-1", "A-2": "A01-01-2"}


def test_a_receipt_too_large_for_one_bin_is_split_over_the_holding_bin_and_the_nearest_free_ones(apis, asn):
    tasks = arrive(apis, asn, "BA-1", 1000)

    assert plan(tasks) == [("A01-01-1", 470), ("A01-01-2", 480), ("A01-02-2", 50)]


def test_heavy_units_are_split_by_the_bins_weight_limit(apis, asn):
    assert plan(arrive(apis, asn, "BH-1", 5)) == [("A01-01-2", 2), ("A01-02-2", 2), ("A01-03-1", 1)]


def test_units_that_fit_no_bin_get_a_task_without_a_suggestion(apis):
    new_sku(apis.acme, "G-1", weight_g=300_000)  # heavier than any bin holds
    asn = create_asn(apis.acme, lines=[{"sku": "G-1", "qty": 1}])

    assert plan(arrive(apis, asn, "BG-1", 1)) == [(None, 1)]
    [task] = open_tasks(apis.admin)
    assert_problem(complete(apis.wh1_operator, task["id"], location="A03-08-2", qty=1), 422, "bin_too_small",
                   "location")


# --- completing ------------------------------------------------------------------

def test_completing_a_task_moves_the_units_from_the_dock_to_the_bin(apis, asn):
    [task] = arrive(apis, asn, "BA-2", 8)

    done = ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=8))

    assert (done["status"], done["qty_done"], done["qty_open"]) == ("done", 8, 0)
    assert done["completed_at"] is not None
    assert on_hand(apis.admin, "WH1", "A01-01-2") == {("A-2", None, "good"): 8}
    assert on_hand(apis.admin, "WH1", "DOCK") == {}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(expected=1992, sellable=8)
    assert open_tasks(apis.admin) == []


def test_a_putaway_is_one_ledger_movement_from_the_dock(apis, asn):
    [task] = arrive(apis, asn, "BA-2", 8)
    ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=8))

    moves = [m for m in ok(apis.acme.get("/ledger", query_string={"sku": "A-2"}))["items"] if m["kind"] == "putaway"]
    assert len(moves) == 1
    assert moves[0]["reference"] == f"task:{task['id']}"
    assert sorted((p["location"], p["qty"]) for p in moves[0]["postings"]) == [("A01-01-2", 8), ("DOCK", -8)]


def test_a_partial_completion_leaves_the_rest_of_the_task_open(apis, asn):
    [task] = arrive(apis, asn, "BA-2", 8)

    part = ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=3))

    assert (part["status"], part["qty_done"], part["qty_open"]) == ("open", 3, 5)
    assert [(t["id"], t["qty_open"]) for t in open_tasks(apis.admin)] == [(task["id"], 5)]
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(expected=1992, receiving=5, sellable=3)

    rest = ok(complete(apis.wh1_operator, task["id"], location="A01-03-1", qty=5, confirm=["other_bin"],
                       reason="bin_full"))

    assert (rest["status"], rest["qty_done"], rest["qty_open"]) == ("done", 8, 0)
    assert on_hand(apis.admin, "WH1", "A01-01-2") == {("A-2", None, "good"): 3}
    assert on_hand(apis.admin, "WH1", "A01-03-1") == {("A-2", None, "good"): 5}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(expected=1992, sellable=8)


def test_another_bin_than_the_suggestion_is_asked_about_then_needs_a_reason(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)
    before = table_counts(session, *LEDGER_TABLES)

    asked = assert_problem(complete(apis.wh1_operator, task["id"], location="A02-05-2", qty=8), 409, "other_bin",
                           "confirm")
    assert "goes to A01-01-2, not A02-05-2" in asked["detail"]
    assert_problem(complete(apis.wh1_operator, task["id"], location="A02-05-2", qty=8, confirm=["other_bin"]), 422,
                   "validation_error", "reason")
    assert_problem(complete(apis.wh1_operator, task["id"], location="A02-05-2", qty=8, confirm=["other_bin"],
                            reason="bored"), 422, "validation_error", "reason")
    assert table_counts(session, *LEDGER_TABLES) == before

    done = ok(complete(apis.wh1_operator, task["id"], location="A02-05-2", qty=8, confirm=["other_bin"],
                       reason="blocked"))
    [move] = [m for m in ok(apis.acme.get("/ledger", query_string={"sku": "A-2"}))["items"] if m["kind"] == "putaway"]
    assert (move["reason"], move["note"]) == ("blocked", "suggested A01-01-2")

    assert done["status"] == "done"
    assert done["suggested_location"] == "A01-01-2"
    assert on_hand(apis.admin, "WH1", "A02-05-2") == {("A-2", None, "good"): 8}
    assert on_hand(apis.admin, "WH1", "A01-01-2") == {}


def test_a_bin_the_units_do_not_fit_in_is_refused_and_nothing_moves(apis, asn, session):
    [first] = arrive(apis, asn, "BH-1", 2)
    ok(complete(apis.wh1_operator, first["id"], location="A01-01-2", qty=2))  # now full: 200 of 250 kg
    [second] = arrive(apis, asn, "BH-1", 1)
    before = table_counts(session, *LEDGER_TABLES)

    body = assert_problem(complete(apis.wh1_operator, second["id"], location="A01-01-2", qty=1), 422,
                          "bin_too_small", "location")

    assert "do not fit" in body["errors"]["location"]
    assert table_counts(session, *LEDGER_TABLES) == before
    assert open_tasks(apis.admin)[0]["qty_open"] == 1


def test_room_promised_to_another_open_task_is_not_taken(apis, asn):
    [first] = arrive(apis, asn, "BH-1", 2)   # promised A01-01-2: all its 250 kg but 50
    [second] = arrive(apis, asn, "BH-1", 2)  # promised A01-02-2
    assert (first["suggested_location"], second["suggested_location"]) == ("A01-01-2", "A01-02-2")

    assert_problem(complete(apis.wh1_operator, second["id"], location="A01-01-2", qty=1), 422, "bin_too_small",
                   "location")
    assert ok(complete(apis.wh1_operator, first["id"], location="A01-01-2", qty=2))["status"] == "done"


def test_completing_at_the_suggested_bin_counts_the_tasks_own_promise_once(apis, asn):
    [task] = arrive(apis, asn, "BH-1", 2)  # two units fill A01-01-2 up to 200 of 250 kg

    assert ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=1))["qty_open"] == 1
    assert ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=1))["status"] == "done"


def test_completing_a_done_task_is_an_invalid_state(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)
    ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=8))

    assert_problem(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=1), 409, "invalid_state")
    assert movement_count(session, "putaway") == 1


def test_putting_away_more_than_is_open_is_refused_naming_the_qty(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)
    ok(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=5))

    assert_problem(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=4), 422, "validation_error",
                   "qty")
    assert movement_count(session, "putaway") == 1


@pytest.mark.parametrize("location", ["DOCK", "QUARANTINE", "PACK", "SHIP"])
def test_only_a_storage_location_takes_a_putaway(apis, asn, session, location):
    [task] = arrive(apis, asn, "BA-2", 8)

    assert_problem(complete(apis.wh1_operator, task["id"], location=location, qty=8), 422, "validation_error",
                   "location")
    assert movement_count(session, "putaway") == 0


@pytest.mark.parametrize("location", ["Z99-99-9", "@INBOUND", "@ADJUSTMENT"])
def test_an_unknown_or_virtual_location_is_refused(apis, asn, session, location):
    [task] = arrive(apis, asn, "BA-2", 8)

    assert_problem(complete(apis.wh1_operator, task["id"], location=location, qty=8), 422, "validation_error",
                   "location")
    assert movement_count(session, "putaway") == 0


def test_units_gone_from_the_dock_cannot_be_put_away(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)
    ok(apis.admin.post("/adjustments", json={"warehouse": "WH1", "location": "DOCK", "sku": "A-2", "seller": "ACME",
                                             "qty": -5, "reason": "lost"}), 201)

    assert_problem(complete(apis.wh1_operator, task["id"], location="A01-01-2", qty=8), 409, "insufficient_stock")
    assert movement_count(session, "putaway") == 0
    assert open_tasks(apis.admin)[0]["qty_done"] == 0


BAD_COMPLETIONS = [
    pytest.param({"location": "A01-01-2"}, "qty", id="no-qty"),
    pytest.param({"qty": 1}, "location", id="no-location"),
    pytest.param({"location": "A01-01-2", "qty": 0}, "qty", id="zero-qty"),
    pytest.param({"location": "A01-01-2", "qty": -1}, "qty", id="negative-qty"),
    pytest.param({"location": "A01-01-2", "qty": "8"}, "qty", id="qty-as-string"),
    pytest.param({"location": "", "qty": 1}, "location", id="empty-location"),
    pytest.param({"location": "A01-01-2", "qty": 1, "sku": "A-2"}, "sku", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_COMPLETIONS)
def test_a_bad_completion_is_refused_naming_the_field(apis, asn, session, body, field):
    [task] = arrive(apis, asn, "BA-2", 8)

    assert_problem(complete(apis.wh1_operator, task["id"], **body), 422, "validation_error", field)
    assert movement_count(session, "putaway") == 0


# --- retries --------------------------------------------------------------------

def test_the_same_completion_sent_ten_times_with_one_key_moves_the_units_once(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)

    responses = [complete(apis.wh1_operator, task["id"], key="putaway-42", location="A01-01-2", qty=3)
                 for _ in range(10)]

    assert [r.status_code for r in responses] == [200] * 10
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert movement_count(session, "putaway") == 1
    assert ok(apis.admin.get(f"/tasks/{task['id']}"))["qty_done"] == 3
    assert on_hand(apis.admin, "WH1", "A01-01-2") == {("A-2", None, "good"): 3}


def test_a_completion_without_an_idempotency_key_is_refused(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)

    r = apis.wh1_operator.post(f"/tasks/{task['id']}/complete", json={"location": "A01-01-2", "qty": 8})

    assert_problem(r, 400, "bad_request", "Idempotency-Key")
    assert movement_count(session, "putaway") == 0


# --- who sees and does tasks ---------------------------------------------------------

def test_tasks_are_listed_by_warehouse_type_and_status(apis, asn):
    [a] = arrive(apis, asn, "BA-2", 8)
    [b] = arrive(apis, asn, "BA-1", 4)
    ok(complete(apis.wh1_operator, a["id"], location="A01-01-2", qty=8))

    def ids(**query):
        return [t["id"] for t in ok(apis.wh1_operator.get("/tasks", query_string=query))["items"]]

    assert ids() == [a["id"], b["id"]]
    assert ids(status="open") == [b["id"]]
    assert ids(status="done", type="putaway") == [a["id"]]
    assert ids(type="count") == []
    assert ids(warehouse="WH1", status="open") == [b["id"]]
    assert_problem(apis.wh1_operator.get("/tasks", query_string={"type": "dance"}), 422, "validation_error", "type")
    assert_problem(apis.wh1_operator.get("/tasks", query_string={"status": "late"}), 422, "validation_error",
                   "status")


def test_a_task_reads_back_with_codes(apis, asn):
    [task] = arrive(apis, asn, "BA-2", 8)

    got = ok(apis.wh1_operator.get(f"/tasks/{task['id']}"))

    assert got == task
    assert (got["warehouse"], got["sku"], got["seller"], got["type"], got["condition"]) == (
        "WH1", "A-2", "ACME", "putaway", "good")


def test_sellers_neither_see_nor_complete_tasks(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)

    for seller in (apis.acme, apis.beta):
        assert_problem(seller.get("/tasks"), 403, "forbidden")
        assert_problem(seller.get(f"/tasks/{task['id']}"), 403, "forbidden")
        assert_problem(complete(seller, task["id"], location="A01-01-2", qty=8), 403, "forbidden")
    assert movement_count(session, "putaway") == 0


def test_an_operator_of_another_warehouse_does_not_find_the_task(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 8)

    assert ok(apis.wh2_operator.get("/tasks"))["items"] == []
    assert_problem(apis.wh2_operator.get("/tasks", query_string={"warehouse": "WH1"}), 404, "not_found")
    assert_problem(apis.wh2_operator.get(f"/tasks/{task['id']}"), 404, "not_found")
    assert_problem(complete(apis.wh2_operator, task["id"], location="A01-01-2", qty=8), 404, "not_found")
    assert_problem(apis.wh1_operator.get("/tasks/999999"), 404, "not_found")
    assert movement_count(session, "putaway") == 0
    assert table_counts(session, Task)["tasks"] == 1


def test_a_bin_holding_another_sku_is_refused_naming_it(apis, asn, session):
    [task] = arrive(apis, asn, "BA-2", 2)

    body = assert_problem(complete(apis.wh1_operator, task["id"], location="a01-01-1", qty=2,
                                   confirm=["other_bin"], reason="bin_full"), 422, "mixed_sku", "location")

    assert "A01-01-1 holds or expects A-1" in body["detail"]  # the bin label scanned in lower case is found
    assert open_tasks(apis.admin)[0]["qty_open"] == 2
