"""Picking on a phone, by typed scans: a pick taken in full, then an empty
bin short-picked without an item scan, asked about and done with a tapped
reason; a wrong scan shows its error and changes nothing; the focus is
where the next scan goes after every step."""
from __future__ import annotations

from tests.factories import put_stock
from tests.web.conftest import new_order, new_pick_list, pick_list_of
from tests.web.handheld.conftest import login
from wms.db import make_sessionmaker


def _setup(session, world) -> dict:
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)  # 4 A-2
    session.commit()
    new_order(session, reference="SO-1", lines=[{"sku": "A-1", "qty": 2}, {"sku": "A-2", "qty": 1}])
    return new_pick_list(session)


def test_an_empty_bin_is_short_picked_with_a_reason_and_no_item_scan(served, phone, committed_db):
    base, _token, pick_list = served(_setup)
    first, second = pick_list["picks"]
    device = phone(base)
    login(device, f"/pick/{pick_list['id']}")
    assert device.focused() == "location"

    device.type("A03-04-2")  # a wrong bin
    device.page.keyboard.press("Enter")
    assert device.focused() == "barcode"
    device.scan(f"B{first['sku']}")
    assert device.message() == f"error: Bin: wrong location: this pick is at {first['location']}, not A03-04-2"
    assert device.focused() == "location"

    device.page.fill("#location", "")
    device.type(first["location"])
    device.page.keyboard.press("Enter")
    device.scan(f"B{first['sku']}")
    assert device.message().startswith(f"ok: Picked {first['qty']} × {first['sku']} from {first['location']}.")
    assert device.focused() == "location"

    device.type(second["location"])  # the bin is empty: nothing to scan
    device.page.keyboard.press("Enter")
    device.tap("#empty")
    assert device.message().startswith(
        f"warn: Taking 0 of {second['qty']} × {second['sku']} from {second['location']} is a short pick")
    device.shot("pick-short-asked")
    with make_sessionmaker(committed_db[1])() as session:
        assert pick_list_of(session, pick_list["id"])["picks"][1]["status"] == "open"

    device.tap("#short-empty")
    assert device.message().startswith(f"ok: Short pick (the bin is empty): took 0 of {second['qty']}")
    with make_sessionmaker(committed_db[1])() as session:
        picks = pick_list_of(session, pick_list["id"])["picks"]
    assert [(p["status"], p["short_reason"]) for p in picks[:2]] == [("picked", None), ("short", "empty")]


def _batch(session, world) -> dict:
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)
    session.commit()
    new_order(session, reference="SO-1", lines=[{"sku": "A-1", "qty": 2}])
    new_order(session, reference="SO-2", lines=[{"sku": "A-2", "qty": 1}])
    return new_pick_list(session)


def test_a_batch_list_is_sorted_into_one_tote_per_order_while_picking(served, phone, committed_db):
    base, _token, pick_list = served(_batch)
    route = list(dict.fromkeys(p["order_reference"] for p in pick_list["picks"]))
    device = phone(base)
    login(device, f"/pick/{pick_list['id']}")

    assert device.focused() == "tote"
    assert device.page.inner_text("#tote-order").startswith(route[0])
    device.shot("pick-totes")
    device.scan("t-1")
    assert device.message() == f"ok: Tote T-1 is for order {route[0]}."
    assert device.focused() == "tote"
    device.scan("T-1")  # the same tote again, for the second order: refused
    assert device.message() == f"error: Tote T-1 is already order {route[0]}'s on this list"
    assert device.focused() == "tote"
    device.page.fill("#tote", "")
    device.scan("T-2")
    assert device.message() == f"ok: Tote T-2 is for order {route[1]}. Every order has its tote: start picking."
    assert device.focused() == "location"

    for p in pick_list["picks"]:
        tote = "T-1" if p["order_reference"] == route[0] else "T-2"
        assert device.page.inner_text("#put-tote") == tote
        device.shot("pick-into-tote") if p is pick_list["picks"][0] else None
        device.type(p["location"])
        device.page.keyboard.press("Enter")
        device.scan(f"B{p['sku']}")
        assert device.message().startswith(f"ok: Picked {p['qty']} × {p['sku']} from {p['location']}. "
                                           f"Put them in tote {tote}.")
    with make_sessionmaker(committed_db[1])() as session:
        picked = pick_list_of(session, pick_list["id"])
    assert {(p["order_reference"], p["tote"]) for p in picked["picks"]} == {(route[0], "T-1"), (route[1], "T-2")}
