"""The scan field never loses the focus: a tap on the Damaged tile gives it
back (the next scan is not lost), "#DAMAGED" scanned into it sets the
condition, "3*CODE" scans three; every scan field says what Enter does."""
from __future__ import annotations

from tests.web.conftest import asn_lines, new_asn
from tests.web.handheld.conftest import login
from wms.db import make_sessionmaker


def _setup(session, world) -> dict:
    return {"asn": new_asn(session, lines=[{"sku": "A-1", "qty": 24}])}


def test_taps_and_command_scans_keep_the_focus_in_the_scan_field(served, phone, committed_db):
    base, _token, data = served(_setup)
    device = phone(base)
    login(device, f"/receive/{data['asn']}")
    assert device.page.get_attribute("#barcode", "enterkeyhint") == "go"

    device.tap("fieldset.choice label:nth-of-type(2)", navigates=False)  # Damaged
    assert device.focused() == "barcode"
    device.scan("BA-1")
    assert device.message() == "ok: Received 1 × A-1 (damaged)."

    device.type("#DAMAGED")
    device.page.keyboard.press("Enter")  # a command: no request, the tile is set, the field empty
    assert device.page.is_checked("input[name=condition][value=damaged]")
    assert (device.focused(), device.page.input_value("#barcode")) == ("barcode", "")
    device.type("#GOOD")
    device.page.keyboard.press("Enter")
    device.scan("3*BA-1")
    assert device.message() == "ok: Received 3 × A-1 (good)."
    assert device.focused() == "barcode"

    with make_sessionmaker(committed_db[1])() as session:
        assert asn_lines(session, data["asn"])["A-1"] == (24, 4, 1)
