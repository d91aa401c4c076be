"""The seller portal: stock with every bucket, open ASNs and orders, each
seller's own only."""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import new_asn, new_order, text_of

BUCKET_HEADERS = ("Expected", "Receiving", "Sellable", "Reserved", "Available", "Unsellable", "In transit", "Picked")


@pytest.fixture
def business(world, session):
    """Both sellers have an open ASN and an order."""
    new_asn(session, reference="PO-ACME-1")
    new_asn(session, seller="BETA", reference="PO-BETA-1", lines=[{"sku": "B-2", "qty": 9}])
    new_order(session, reference="SO-ACME-1")
    new_order(session, seller="BETA", reference="SO-BETA-1", lines=[{"sku": "B-1", "qty": 2}])


def stock_table(html: str) -> str:
    return html.split('id="stock-table">')[1].split("</table>")[0]


def stock_rows(html: str) -> list[str]:
    table = stock_table(html).split("<tbody>")[1]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_a_seller_sees_its_stock_with_every_bucket(screen, tokens, business):
    html = screen(tokens.acme).get("/stock").get_data(as_text=True)

    header = text_of(stock_table(html).split("</thead>")[0])
    assert header == "Warehouse SKU " + " ".join(BUCKET_HEADERS)
    # expected, receiving, sellable, reserved, available, unsellable, in transit, picked
    assert stock_rows(html) == ["WH1 A-1 20 0 10 3 7 0 0 0", "WH2 A-1 0 0 5 0 5 0 0 0", "WH1 A-2 5 0 0 0 0 0 0 0"]


def test_a_seller_sees_its_open_asns_and_orders(screen, tokens, business):
    page = text_of(screen(tokens.acme).get("/stock").get_data(as_text=True))

    assert "PO-ACME-1" in page
    assert "SO-ACME-1 allocated WH1 Austin, US 3 × A-1" in page


def words(html: str) -> set[str]:
    return set(re.findall(r"[\w-]+", text_of(html)))


@pytest.mark.parametrize(("seller", "own", "others"), [
    ("acme", {"A-1", "A-2", "PO-ACME-1", "SO-ACME-1"}, {"B-1", "B-2", "BETA", "PO-BETA-1", "SO-BETA-1"}),
    ("beta", {"B-1", "B-2", "PO-BETA-1", "SO-BETA-1"}, {"A-1", "A-2", "ACME", "PO-ACME-1", "SO-ACME-1"}),
])
def test_a_seller_never_sees_another_sellers_data(screen, tokens, business, seller, own, others):
    seen = words(screen(getattr(tokens, seller)).get("/stock").get_data(as_text=True))

    assert own <= seen
    assert not others & seen


def test_an_operator_sees_the_stock_of_its_warehouses_with_the_seller(screen, tokens, business):
    html = screen(tokens.wh2_operator).get("/stock").get_data(as_text=True)

    assert stock_rows(html) == ["WH2 ACME A-1 0 0 5 0 5 0 0 0"]
    assert "PO-ACME-1" not in text_of(html)


def test_stock_pages_through_long_lists(screen, tokens, business, monkeypatch):
    from wms.web import portal

    monkeypatch.setattr(portal, "STOCK_PAGE", 2)
    browser = screen(tokens.acme)

    first = browser.get("/stock").get_data(as_text=True)
    next_link = re.search(r'href="(/stock\?stock_after=\d+[^"]*)">Next page', first).group(1)
    second = browser.get(next_link.replace("&amp;", "&")).get_data(as_text=True)

    assert [r.split()[1] for r in stock_rows(first)] == ["A-1", "A-1"]
    assert stock_rows(second) == ["WH1 A-2 5 0 0 0 0 0 0 0"]
