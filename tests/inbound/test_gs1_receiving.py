"""One GS1-128 / DataMatrix scan at the dock: the item by its GTIN (as
registered: GTIN-14 or -13), its lot and its expiry; a lot or expiry typed
as well must agree with the barcode, or nothing is received."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ADMIN, SkuFactory
from tests.web.conftest import new_asn
from wms.errors import ValidationFailed
from wms.inbound.services import receive_units
from wms.inventory.services import list_location_balances


@pytest.fixture
def milk_asn(session, world) -> int:
    SkuFactory(seller=world.seller_a, code="MILK", lot_tracked=True, expiry_tracked=True,
               barcodes=["9506000134352"])
    session.commit()
    return new_asn(session, reference="PO-MILK", lines=[{"sku": "MILK", "qty": 10, "lot": "L2702",
                                                         "expiry": date(2028, 7, 26)}])


def test_one_gs1_scan_gives_item_lot_and_expiry(session, milk_asn):
    received = receive_units(session, ADMIN, milk_asn, qty=2, barcode="(01)09506000134352(17)280726(10)L2702")

    assert not received.warnings
    [line] = received.asn.lines
    assert (line.lot, line.received_qty) == ("L2702", 2)
    dock = list_location_balances(session, ADMIN, warehouse="WH1", location="DOCK", limit=10)
    assert [(b["sku"], b["lot"], b["on_hand"]) for b in dock] == [("MILK", "L2702", 2)]


def test_a_typed_lot_that_disagrees_with_the_barcode_receives_nothing(session, milk_asn):
    with pytest.raises(ValidationFailed) as refused:
        receive_units(session, ADMIN, milk_asn, qty=1, lot="L9999",
                      barcode="]C1010950600013435217280726" + "10L2702")

    assert refused.value.errors == {"lot": "the barcode says lot L2702, not L9999"}
    session.rollback()
    assert list_location_balances(session, ADMIN, warehouse="WH1", location="DOCK", limit=10) == []
