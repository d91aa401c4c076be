"""Issue 13 item 11: reservations held by orders stuck unshipped past a
configurable time are reported by `wms orders stuck`, and released through
the ledger (the order cancelled) with --release."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from fulfillment.models import Order
from tests.fulfillment.conftest import place
from wms.catalog.models import Sku
from wms.db import utcnow
from wms.ledger.models import StockLevel


def reserved(session) -> int:
    sku = session.scalar(select(Sku.id).where(Sku.code == "A-1"))
    n = session.scalar(select(StockLevel.reserved).where(StockLevel.sku_id == sku, StockLevel.warehouse_id ==
                                                          select(Order.warehouse_id).limit(1).scalar_subquery()))
    session.commit()
    return n


def age(session, order_id: int, hours: int) -> None:
    session.execute(update(Order).where(Order.id == order_id).values(created_at=utcnow() - timedelta(hours=hours)))
    session.commit()


def test_an_order_holding_stock_too_long_is_reported_and_a_fresh_one_is_not(apis, session, wms_cli):
    old = place(apis.acme, ("A-1", 3))
    fresh = place(apis.acme, ("A-1", 2))
    age(session, old["id"], 100)

    result = wms_cli("orders", "stuck", "--hours", "72")

    assert result.exit_code == 1, result.output
    assert f"order {old['id']} {old['reference']} seller ACME warehouse WH1 allocated for 100 h: 3 reserved" \
        in result.output
    assert f"order {fresh['id']} " not in result.output
    assert "1 order(s) holding stock for more than 72 h" in result.output
    assert wms_cli("orders", "stuck", "--hours", "200").exit_code == 0
    assert reserved(session) == 5  # reporting changes nothing


def test_release_cancels_it_and_returns_its_reservation_through_the_ledger(apis, session, wms_cli):
    old = place(apis.acme, ("A-1", 3))
    place(apis.acme, ("A-1", 2))
    age(session, old["id"], 100)

    result = wms_cli("orders", "stuck", "--release")

    assert result.exit_code == 0, result.output
    assert "1 cancelled and released" in result.output
    assert apis.acme.get(f"/orders/{old['id']}").get_json()["status"] == "cancelled"
    assert reserved(session) == 2
    assert wms_cli("orders", "stuck").exit_code == 0
