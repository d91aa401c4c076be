"""Putaway: open tasks, and completing one by scanning the bin."""
from __future__ import annotations

import pytest

from tests.factories import ADMIN
from tests.web.conftest import message_of, movement_count, new_asn, on_hand, stock, text_of
from wms.inbound.services import receive_units
from wms.inventory.tasks import list_tasks
from wms.inventory.views import task_views


def open_tasks(session, warehouse: str = "WH1") -> list[dict]:
    session.expire_all()
    views = task_views(session, list_tasks(session, ADMIN, warehouse=warehouse, type="putaway", status="open"))
    session.commit()
    return views


@pytest.fixture
def task(world, session) -> dict:
    """4 A-1 received at WH1's dock: one putaway task with a suggested bin."""
    receive_units(session, ADMIN, new_asn(session), qty=4, barcode="BA-1")
    session.commit()
    (only,) = open_tasks(session)
    return only


def test_the_list_shows_the_open_tasks_of_the_operators_warehouses(screen, tokens, session, task):
    receive_units(session, ADMIN, new_asn(session, warehouse="WH2", reference="PO-WH2"), qty=5, barcode="BA-2")
    session.commit()

    page = text_of(screen(tokens.wh1_operator).get("/putaway").get_data(as_text=True))

    assert f"4 × A-1 DOCK → {task['suggested_location']}" in page
    assert "A-2" not in page


def test_a_task_screen_shows_the_bin_in_big_letters_and_focuses_the_scan(screen, tokens, task):
    html = screen(tokens.wh1_operator).get(f"/putaway/{task['id']}").get_data(as_text=True)

    assert f'<p class="bin">{task["suggested_location"]}</p>' in html
    assert 'id="location" name="location" value="" autofocus' in html


def test_scanning_the_bin_puts_the_units_away(screen, tokens, session, task):
    browser = screen(tokens.wh1_operator)
    bin_ = task["suggested_location"]
    in_bin = on_hand(session, "WH1", bin_).get("A-1", 0)

    done = browser.submit(f"/putaway/{task['id']}", location=bin_)

    assert done.status_code == 303
    after = browser.follow(done)
    assert after.request.path == "/putaway"
    assert message_of(after) == f"ok: Put 4 × A-1 in {bin_}."
    assert on_hand(session, "WH1", "DOCK") == {}
    assert on_hand(session, "WH1", bin_)["A-1"] == in_bin + 4
    assert stock(session, "WH1", "A-1")["receiving"] == 0
    assert stock(session, "WH1", "A-1")["sellable"] == 14
    assert open_tasks(session) == []


def test_a_partial_putaway_leaves_the_rest_open(screen, tokens, session, task):
    browser = screen(tokens.wh1_operator)

    done = browser.submit(f"/putaway/{task['id']}", location=task["suggested_location"], qty=1)

    after = browser.follow(done)
    assert after.request.path == f"/putaway/{task['id']}"
    assert message_of(after) == f"ok: Put 1 × A-1 in {task['suggested_location']}. 3 still to put away."
    assert [t["qty_open"] for t in open_tasks(session)] == [3]


def test_a_double_tap_puts_away_once(screen, tokens, session, task):
    browser = screen(tokens.wh1_operator)
    form = browser.form(browser.get(f"/putaway/{task['id']}"))

    first = browser.send(form, location=task["suggested_location"], qty=2)
    again = browser.send(form, location=task["suggested_location"], qty=2)

    assert again.headers["Location"] == first.headers["Location"]
    assert [t["qty_open"] for t in open_tasks(session)] == [2]
    assert on_hand(session, "WH1", "DOCK") == {"A-1": 2}


def test_a_location_that_is_not_a_bin_shows_a_message_and_changes_nothing(screen, tokens, session, task):
    browser = screen(tokens.wh1_operator)
    before = movement_count(session)

    not_storage = browser.submit(f"/putaway/{task['id']}", location="QUARANTINE")
    unknown = browser.submit(f"/putaway/{task['id']}", location="Z99-99-9")

    assert not_storage.status_code == unknown.status_code == 422
    assert message_of(not_storage) == "error: Bin: QUARANTINE is a quarantine location, not storage"
    assert message_of(unknown) == "error: Bin: unknown location 'Z99-99-9'"
    assert movement_count(session) == before
    assert on_hand(session, "WH1", "DOCK") == {"A-1": 4}


def test_another_warehouses_task_is_not_found(screen, tokens, task):
    browser = screen(tokens.wh2_operator)

    assert browser.get(f"/putaway/{task['id']}").status_code == 404
    assert f"{task['id']}" not in text_of(browser.get("/putaway").get_data(as_text=True))


def test_re_slotting_moves_are_listed_and_done_on_the_same_screens(screen, tokens, session, world):
    """A slotting plan's move tasks show on the handheld list as moves; scanning
    the new bin moves the units through the ledger."""
    from slotting.services import apply_plan, create_plan, run_plan
    from tests.factories import put_stock

    put_stock(session, world.wh1, "A03-08-2", world.skus_a[1], 3)  # a bin at the back of the last aisle
    plan = create_plan(session, ADMIN, "WH1", {"time_limit_s": 5})
    run_plan(session, plan.id)
    apply_plan(session, ADMIN, plan.id)
    session.commit()
    [move] = [m for m in plan.moves if m.from_location_id and m.status == "tasked" and m.qty == 3]
    views = task_views(session, list_tasks(session, ADMIN, warehouse="WH1", type="move", status="open"))
    session.commit()
    view = next(v for v in views if v["id"] == move.task_ids[0])
    browser = screen(tokens.wh1_operator)
    page = text_of(browser.get("/putaway").get_data(as_text=True))
    assert f"Move 3 × A-2 A03-08-2 → {view['suggested_location']}" in page
    done = browser.submit(f"/putaway/{view['id']}", location=view["suggested_location"])
    assert done.status_code == 303
    assert on_hand(session, "WH1", view["suggested_location"])["A-2"] == 3
    assert on_hand(session, "WH1", "A03-08-2") == {}


def test_another_bin_than_suggested_asks_why_and_a_tapped_reason_puts_it_there(screen, tokens, session, task):
    browser = screen(tokens.wh1_operator)
    other = "A02-05-2" if task["suggested_location"] != "A02-05-2" else "A03-08-2"

    asked = browser.submit(f"/putaway/{task['id']}", location=other.lower(), qty=4)

    assert asked.status_code == 409
    assert message_of(asked).startswith(f"warn: This task goes to {task['suggested_location']}, not {other}")
    assert on_hand(session, "WH1", other) == {}
    reasons = [f for f in browser_forms(asked) if f.fields.get("confirm") == "other_bin"]
    assert len(reasons) == 4
    sent = browser.send(reasons[0], reason="bin_full")
    assert sent.status_code == 303
    assert on_hand(session, "WH1", other) == {"A-1": 4}


def browser_forms(page):
    from tests.web.conftest import forms_of

    return [f for f in forms_of(page.get_data(as_text=True)) if f.method == "post"]
