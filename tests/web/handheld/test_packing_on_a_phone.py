"""Packing and shipping on a phone, by typed scans: the tote opens its order,
each unit is verified by its scan (an item of another order is caught and
changes nothing), the weight typed (or sent by a scale) packs it in the
suggested carton, the tracking number's scan ships it; the focus is where
the next scan goes after every step."""
from __future__ import annotations

from sqlalchemy import select

from fulfillment.models import Carton, Order
from fulfillment.picking import assign_tote, confirm_pick
from tests.factories import ADMIN, put_stock
from tests.web.conftest import new_order, new_pick_list
from tests.web.handheld.conftest import login
from wms.db import make_sessionmaker


def _picked(session, world) -> dict:
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)
    session.commit()
    first = new_order(session, reference="SO-1", lines=[{"sku": "A-1", "qty": 2}])
    second = new_order(session, reference="SO-2", lines=[{"sku": "A-2", "qty": 1}])
    pick_list = new_pick_list(session)
    assign_tote(session, ADMIN, pick_list["id"], tote="T-1", order_id=first)
    assign_tote(session, ADMIN, pick_list["id"], tote="T-2", order_id=second)
    for p in pick_list["picks"]:
        confirm_pick(session, ADMIN, pick_list["id"], p["seq"], location=p["location"], sku=p["sku_id"], qty=p["qty"])
    session.commit()
    return {"SO-1": first}


def test_a_tote_is_verified_packed_and_shipped_by_scans(served, phone, committed_db):
    base, _token, orders = served(_picked)
    device = phone(base)
    login(device, "/pack")
    assert device.focused() == "code"

    device.scan("T-1")
    assert device.page.inner_text("h1") == "SO-1"
    assert device.focused() == "barcode"
    device.scan("BA-1")
    assert device.message() == "ok: A-1: 1 of 2 verified."
    assert device.focused() == "barcode"
    device.scan("BA-2")  # SO-2's item, in the wrong tote
    assert device.message() == "error: Item: A-2 is not in order SO-1: put it aside."
    assert device.focused() == "barcode"
    device.shot("pack-verify")
    device.page.fill("#barcode", "")
    device.scan("BA-1")
    assert device.message() == "ok: A-1: 2 of 2 verified."
    assert device.focused() == "weight_g"  # every unit verified: weigh the carton
    assert device.page.is_checked("input[name=carton][value=S]")
    device.shot("pack-carton")

    device.scan("950")
    assert device.message() == "ok: Packed SO-1: scan the tracking number."
    assert device.focused() == "tracking_number"
    device.page.fill("#carrier", "UPS")
    device.page.focus("#tracking_number")
    device.shot("ship")
    device.scan("1Z999AA10123456784")
    assert device.message() == "ok: Shipped SO-1 with UPS, tracking 1Z999AA10123456784."
    assert device.focused() == "code"  # ready for the next order

    with make_sessionmaker(committed_db[1])() as session:
        order = session.get(Order, orders["SO-1"])
        assert (order.status, order.tracking_number) == ("shipped", "1Z999AA10123456784")
        carton = session.scalar(select(Carton).where(Carton.order_id == order.id))
        assert (carton.length_mm, carton.weight_g) == (300, 950)
