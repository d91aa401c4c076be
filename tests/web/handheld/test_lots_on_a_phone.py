"""Lots and expiry on a phone, by typed scans: one GS1-128 scan fills item,
lot and expiry; the ASN's expected lot is there before the first scan; a
lot and expiry typed once (the date as text, no picker) stay for the next
unit of the same item; after "lot required" the focus is in the lot field."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.factories import SkuFactory
from tests.web.conftest import new_asn
from tests.web.handheld.conftest import login
from wms.db import make_sessionmaker
from wms.inbound.models import Receipt
from wms.ledger.models import Posting

GTIN = "09506000134352"


def _setup(session, world) -> dict:
    SkuFactory(seller=world.seller_a, code="MILK", name="Fresh milk", lot_tracked=True, expiry_tracked=True,
               barcodes=["BMILK", GTIN[1:]])  # registered as its GTIN-13
    SkuFactory(seller=world.seller_a, code="SOAP", name="Soap", lot_tracked=True)
    session.commit()
    return {"milk": new_asn(session, reference="PO-MILK", lines=[
                {"sku": "MILK", "qty": 10, "lot": "L2702", "expiry": date(2028, 7, 26)}]),
            "soap": new_asn(session, reference="PO-SOAP", lines=[{"sku": "SOAP", "qty": 10}])}


def _receipts(engine, asn_id):
    with make_sessionmaker(engine)() as session:
        # The lot each scan took in: on the posting into the dock.
        return [tuple(row) for row in session.execute(
            select(Posting.qty, Posting.lot).join(Receipt, Receipt.movement_id == Posting.movement_id)
            .where(Receipt.asn_id == asn_id, Posting.qty > 0).order_by(Receipt.id))]


def test_a_gs1_scan_and_the_asns_lot_fill_lot_and_expiry(served, phone, committed_db):
    base, _token, asns = served(_setup)
    device = phone(base)
    login(device, f"/receive/{asns['milk']}")
    assert device.page.input_value("#lot") == "L2702"  # the ASN's lot, before any scan
    assert device.page.input_value("#expiry") == "2028-07-26"
    assert device.focused() == "barcode"

    device.scan(f"(01){GTIN}(17)280726(10)L2702")
    assert device.message() == "ok: Received 1 × MILK (good)."
    assert device.focused() == "barcode"
    device.scan("BMILK")  # the plain barcode: the lot stayed
    assert device.message() == "ok: Received 1 × MILK (good)."
    assert device.page.input_value("#lot") == "L2702"
    device.shot("receive-lot-sticky")
    assert _receipts(committed_db[1], asns["milk"]) == [(1, "L2702"), (1, "L2702")]


def test_lot_required_moves_the_focus_and_a_typed_lot_stays_for_the_next_unit(served, phone, committed_db):
    base, _token, asns = served(_setup)
    device = phone(base)
    login(device, f"/receive/{asns['soap']}")

    device.scan("BSOAP")
    assert device.message() == "error: Lot: required: SKU SOAP is lot-tracked"
    assert device.focused() == "lot"
    device.scan("S-77")  # Enter in the lot field sends the scan again with it
    assert device.message() == "ok: Received 1 × SOAP (good)."
    assert device.focused() == "barcode"
    device.scan("BSOAP")
    assert device.message() == "ok: Received 1 × SOAP (good)."
    assert _receipts(committed_db[1], asns["soap"]) == [(1, "S-77"), (1, "S-77")]
