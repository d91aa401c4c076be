"""GS1 scans read by biip (HRI with parentheses, raw element strings, with a
symbology identifier) and dates typed on a phone."""
from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from wms.catalog.gs1 import read_gs1
from wms.web.forms import TypedDate


@pytest.mark.parametrize("scan", [
    "(01)09506000134352(17)280726(10)L2702(21)S1",
    "0109506000134352172807262110S1".replace("2110S1", "10L2702"),
    "]d20109506000134352172807261" + "0L2702",
    "]C1010950600013435217280726" + "10L2702",
])
def test_a_gs1_scan_gives_the_gtin_lot_and_expiry(scan):
    found = read_gs1(scan)

    assert (found.gtin, found.lot, found.expiry) == ("09506000134352", "L2702", date(2028, 7, 26))
    assert found.barcodes() == ["09506000134352", "9506000134352"]


def test_day_00_is_the_end_of_the_month_and_plain_barcodes_are_not_gs1():
    assert read_gs1("(01)09506000134352(17)280200(10)X").expiry == date(2028, 2, 29)
    assert [read_gs1(code) for code in ("BA-1", "4006381333931", "(01)123", "01abc", "")] == [None] * 5


@pytest.mark.parametrize(("typed", "expected"), [
    ("2028-07-26", date(2028, 7, 26)), ("20280726", date(2028, 7, 26)), ("280726", date(2028, 7, 26)),
    ("26.07.2028", date(2028, 7, 26)), ("26/07/2028", date(2028, 7, 26)),
])
def test_a_date_is_typed_or_scanned_as_text(typed, expected):
    assert TypedDate().deserialize(typed) == expected


@pytest.mark.parametrize("typed", ["2028-13-01", "07262028x", "tomorrow", "280732"])
def test_a_wrong_date_is_refused(typed):
    with pytest.raises(ValidationError):
        TypedDate().deserialize(typed)
