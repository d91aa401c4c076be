"""Receiving with its guards, on a phone, by typed scans: an over-receipt is
asked about and changes nothing until a reason is tapped; an item not on the
ASN asks; an expired lot is refused and taken in damaged with one tap; the
focus is back in the scan field after every step."""
from __future__ import annotations

from tests.factories import SkuFactory
from tests.web.conftest import asn_lines
from tests.web.conftest import new_asn as _new_asn
from tests.web.handheld.conftest import login
from wms.db import make_sessionmaker


def _setup(session, world) -> dict:
    SkuFactory(seller=world.seller_a, code="MILK", name="Fresh milk", lot_tracked=True, expiry_tracked=True)
    session.commit()
    return {"main": _new_asn(session, lines=[{"sku": "A-1", "qty": 24}]),
            "milk": _new_asn(session, reference="PO-MILK", lines=[{"sku": "MILK", "qty": 10}])}


def test_a_slip_on_the_quantity_is_asked_about_and_a_tapped_reason_receives_it(served, phone, committed_db):
    base, token, asns = served(_setup)
    device = phone(base)
    login(device, f"/receive/{asns['main']}")
    assert device.focused() == "barcode"

    device.page.fill("#qty", "5000")  # the slip: a quantity typed (or a barcode scanned) into the wrong field
    device.page.focus("#barcode")
    device.scan("BA-1")

    assert device.message().startswith("warn: 5000 × A-1 would make 5000 received against 24 expected")
    assert device.focused() == "barcode"  # a new scan would drop the doubtful one
    assert device.page.input_value("#qty") == "1"
    device.shot("receive-over-receipt-asked")
    with make_sessionmaker(committed_db[1])() as session:
        assert asn_lines(session, asns["main"])["A-1"] == (24, 0, 0)

    device.tap("#doubt button[value='The ASN quantity is wrong']")

    assert device.message() == "ok: Received 5000 × A-1 (good)."
    assert device.focused() == "barcode"
    with make_sessionmaker(committed_db[1])() as session:
        assert asn_lines(session, asns["main"])["A-1"] == (24, 5000, 0)


def test_an_item_not_on_the_asn_and_an_expired_lot_are_stopped_at_the_dock(served, phone, committed_db):
    base, token, asns = served(_setup)
    device = phone(base)
    login(device, f"/receive/{asns['main']}")

    device.scan("BA-2")
    assert device.message().startswith("warn: A-2 (")
    assert device.focused() == "barcode"
    device.scan("BA-1")  # scanning on drops the doubtful scan
    assert device.message() == "ok: Received 1 × A-1 (good)."
    device.scan("BA-1")
    device.tap("#recent li:first-child button")  # that second one was a double scan: undo it
    assert device.message() == "ok: Undone: 1 × A-1 taken back out."
    assert device.focused() == "barcode"
    device.shot("receive-recent-scans-undo")

    device.open(f"/receive/{asns['milk']}")
    device.page.fill("#lot", "OLD-7")
    device.page.fill("#expiry", "2020-05-01")
    device.page.focus("#barcode")
    device.scan("BMILK")
    assert device.message().startswith("error: Lot OLD-7 expired on 2020-05-01")
    device.shot("receive-expired-refused")
    device.tap("#confirm")
    assert device.message() == "ok: Received 1 × MILK (damaged)."
    assert device.focused() == "barcode"

    with make_sessionmaker(committed_db[1])() as session:
        assert asn_lines(session, asns["main"]) == {"A-1": (24, 1, 0)}
        assert asn_lines(session, asns["milk"])["MILK"] == (10, 1, 1)


def test_feedback_progress_reload_back_and_the_report_on_a_phone(served, phone, committed_db):
    """Issue 10 items 12-13: a good and a wrong scan sound and vibrate differently, the
    running total counts up, a reload does not repeat the message, Back after an error
    is a plain screen, and the discrepancy report fits 360 px."""
    base, token, asns = served(_setup)
    device = phone(base)
    device.page.add_init_script("window.__buzz = []; navigator.vibrate = function (p) { window.__buzz.push(p); "
                                "return true; };")
    login(device, f"/receive/{asns['main']}")
    assert device.page.inner_text("#progress") == "received 0 of 24"

    device.scan("BA-1")
    good = device.page.evaluate("window.quaysideFeedback")
    assert device.message() == "ok: Received 1 × A-1 (good)."
    assert device.page.inner_text("#progress") == "received 1 of 24"
    device.scan("NOPE-1")
    wrong = device.page.evaluate("window.quaysideFeedback")
    assert device.message() == "error: Barcode NOPE-1 is not known"
    assert device.focused() == "barcode"

    assert good["kind"] == "ok" and good["vibration"] == [40]
    assert wrong["kind"] == "error" and wrong["vibration"] == [300, 100, 300, 100, 300]
    assert device.page.evaluate("window.__buzz") == [[300, 100, 300, 100, 300]]  # this page's own buzz
    assert "failed=" not in device.page.url and "n=" not in device.page.url
    device.page.reload()
    assert device.message() == ""  # nothing repeated, nothing resent
    device.page.go_back()
    assert "Confirm Form Resubmission" not in device.page.content()
    with make_sessionmaker(committed_db[1])() as session:
        assert asn_lines(session, asns["main"])["A-1"] == (24, 1, 0)

    device.open(f"/receive/{asns['main']}/close")
    fits = device.page.evaluate("""() => { const t = document.getElementById('discrepancies');
        return [t.scrollWidth, t.parentElement.clientWidth, t.getBoundingClientRect().right]; }""")
    assert fits[0] <= fits[1] and fits[2] <= 360
    device.shot("close-report-at-360")
