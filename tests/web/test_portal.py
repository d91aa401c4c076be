"""The seller portal's stock pages: one row per SKU with totals across
warehouses, search, filters, sorting, pages, CSV export of exactly what is
filtered, and a SKU's page; each seller's own only."""
from __future__ import annotations

import csv
import io
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


def sku_rows(html: str) -> list[str]:
    """The SKU rows' text (totals across the warehouses in view)."""
    table = stock_table(html).split("<tbody>")[1]
    return [text_of(row) for row in re.findall(r'<tr class="sku-row"[^>]*>(.*?)</tr>', table, re.S)]


def warehouse_rows(html: str) -> list[str]:
    table = stock_table(html).split("<tbody>")[1]
    return [text_of(row) for row in re.findall(r'<tr class="wh-row"[^>]*>(.*?)</tr>', table, re.S)]


def page(browser, path: str, **args) -> str:
    response = browser.get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_a_seller_sees_one_row_per_sku_with_totals_across_warehouses(screen, tokens, business):
    html = page(screen(tokens.acme), "/stock")

    header = text_of(stock_table(html).split("</thead>")[0])
    assert header == "SKU Name " + " ".join(BUCKET_HEADERS)
    # expected, receiving, sellable, reserved, available, unsellable, in transit, picked
    assert sku_rows(html) == ["▸ 2 A-1 Item A-1 20 0 15 3 12 0 0 0", "▸ 1 A-2 Item A-2 5 0 0 0 0 0 0 0"]
    assert warehouse_rows(html) == ["↳ WH1 20 0 10 3 7 0 0 0", "↳ WH2 0 0 5 0 5 0 0 0",
                                    "↳ WH1 5 0 0 0 0 0 0 0"]


def test_a_sku_is_found_by_code_name_or_barcode(screen, tokens, business):
    browser = screen(tokens.acme)

    assert [r.split()[2] for r in sku_rows(page(browser, "/stock", q="a-2"))] == ["A-2"]
    assert [r.split()[2] for r in sku_rows(page(browser, "/stock", q="item a"))] == ["A-1", "A-2"]
    assert [r.split()[2] for r in sku_rows(page(browser, "/stock", q="BA-1"))] == ["A-1"]
    assert sku_rows(page(browser, "/stock", q="B-1")) == []  # BETA's SKU: not found, not hinted
    assert "No SKU matches." in text_of(page(browser, "/stock", q="nothing like it"))


def test_filters_by_warehouse_low_out_of_stock_and_unsellable(screen, tokens, business):
    browser = screen(tokens.acme)

    assert sku_rows(page(browser, "/stock", warehouse="WH2")) == ["▸ 1 A-1 Item A-1 0 0 5 0 5 0 0 0"]
    assert [r.split()[2] for r in sku_rows(page(browser, "/stock", filter="out"))] == ["A-2"]
    assert sku_rows(page(browser, "/stock", filter="low")) == []  # 12 available is not below 10
    assert [r.split()[2] for r in sku_rows(page(browser, "/stock", filter="low", low_below="13"))] == ["A-1"]
    assert sku_rows(page(browser, "/stock", filter="unsellable")) == []


def test_unsellable_filter_finds_damaged_stock(screen, tokens, business, session):
    from tests.factories import ADMIN
    from wms.inventory.services import adjust_stock

    adjust_stock(session, ADMIN, warehouse="WH1", location="QUARANTINE", sku="A-2", seller="ACME", qty=2,
                 reason="found", condition="damaged")
    session.commit()

    rows = sku_rows(page(screen(tokens.acme), "/stock", filter="unsellable"))

    assert rows == ["▸ 1 A-2 Item A-2 5 0 0 0 0 2 0 0"]


def test_sorting_by_a_bucket_both_ways(screen, tokens, business):
    browser = screen(tokens.acme)

    up = [r.split()[2] for r in sku_rows(page(browser, "/stock", sort="available"))]
    down = [r.split()[2] for r in sku_rows(page(browser, "/stock", sort="available", dir="desc"))]

    assert up == ["A-2", "A-1"]
    assert down == ["A-1", "A-2"]


def test_a_bad_sort_or_filter_is_a_clear_error(screen, tokens, business):
    response = screen(tokens.acme).get("/stock", query_string={"sort": "price"})

    assert response.status_code == 422
    assert "sort: must be one of" in text_of(response.get_data(as_text=True))


def test_the_stock_pages_through_long_lists(screen, tokens, business, monkeypatch):
    from wms.web import portal

    monkeypatch.setattr(portal, "PER_PAGE", 1)
    browser = screen(tokens.acme)

    first = page(browser, "/stock", q="item")
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = browser.get(next_link).get_data(as_text=True)

    assert "page=2" in next_link and "q=item" in next_link  # the search is kept
    assert [r.split()[2] for r in sku_rows(first)] == ["A-1"]
    assert [r.split()[2] for r in sku_rows(second)] == ["A-2"]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_holds_exactly_what_is_filtered_on_every_page(screen, tokens, business, monkeypatch):
    from wms.web import portal

    monkeypatch.setattr(portal, "PER_PAGE", 1)  # the export is not limited to the page shown
    browser = screen(tokens.acme)

    every = read_csv(browser.get("/stock.csv"))
    out = read_csv(browser.get("/stock.csv", query_string={"filter": "out"}))
    wh2 = read_csv(browser.get("/stock.csv", query_string={"warehouse": "WH2"}))

    assert [(r["sku"], r["name"], r["available"], r["sellable"], r["reserved"]) for r in every] == [
        ("A-1", "Item A-1", "12", "15", "3"), ("A-2", "Item A-2", "0", "0", "0")]
    assert "seller" not in every[0]
    assert [r["sku"] for r in out] == ["A-2"]
    assert [(r["sku"], r["warehouse"], r["sellable"]) for r in wh2] == [("A-1", "WH2", "5")]


def test_an_operator_sees_its_warehouses_stock_with_the_seller(screen, tokens, business):
    html = page(screen(tokens.wh2_operator), "/stock")

    assert sku_rows(html) == ["▸ 1 ACME A-1 Item A-1 0 0 5 0 5 0 0 0"]
    assert read_csv(screen(tokens.wh2_operator).get("/stock.csv"))[0]["seller"] == "ACME"


def words(html: str) -> set[str]:
    return set(re.findall(r"[\w-]+", text_of(html)))


@pytest.mark.parametrize(("seller", "own", "others"), [
    ("acme", {"A-1", "A-2"}, {"B-1", "B-2", "BETA"}),
    ("beta", {"B-1", "B-2"}, {"A-1", "A-2", "ACME"}),
])
def test_a_seller_never_sees_another_sellers_stock(screen, tokens, business, seller, own, others):
    browser = screen(getattr(tokens, seller))
    seen = words(page(browser, "/stock")) | {r["sku"] for r in read_csv(browser.get("/stock.csv"))}

    assert own <= seen
    assert not others & seen


# --- a SKU's page ---------------------------------------------------------------------

def sku_id(session, code: str) -> int:
    from sqlalchemy import select

    from wms.catalog.models import Sku

    found = session.scalar(select(Sku.id).where(Sku.code == code))
    session.commit()
    return found


def test_a_skus_page_shows_its_stock_movements_and_chart(screen, tokens, business, session):
    html = page(screen(tokens.acme), f"/skus/{sku_id(session, 'A-1')}")
    text = text_of(html)

    assert "A-1 Item A-1" in text
    levels = html.split('id="levels">')[1].split("</table>")[0]
    assert [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", levels.split("<tbody>")[1], re.S)] == [
        "WH1 20 0 10 3 7 0 0 0", "WH2 0 0 5 0 5 0 0 0"]
    by_kind = text_of(html.split('id="by-kind">')[1].split("</table>")[0])
    assert "WH1 Storage Good 10" in by_kind and "WH2 Storage Good 5" in by_kind
    # The world's stock came in by adjustments: each is listed with where it went.
    movements = text_of(html.split('id="movement-table">')[1].split("</table>")[0])
    assert "Adjustment" in movements and "A01-01-1" in movements
    chart = html.split('id="chart">')[1].split("</div>")[0]
    assert chart.startswith("<svg") and 'data-series="WH1"' in chart and 'data-series="WH2"' in chart
    assert "WH1 (10)" in chart and "WH2 (5)" in chart  # today's level on the legend


def test_a_skus_movements_show_their_business_reference(screen, tokens, business, session):
    from tests.factories import ADMIN
    from tests.web.conftest import new_asn as _new_asn
    from wms.inbound.services import receive_units

    asn_id = _new_asn(session, reference="PO-REF-7", lines=[{"sku": "A-2", "qty": 3}])
    receive_units(session, ADMIN, asn_id, qty=2, barcode="BA-2")
    session.commit()

    html = page(screen(tokens.acme), f"/skus/{sku_id(session, 'A-2')}")

    movements = text_of(html.split('id="movement-table">')[1].split("</table>")[0])
    assert "Receipt asn:PO-REF-7" in movements


def test_another_sellers_sku_page_is_not_found(screen, tokens, business, session):
    response = screen(tokens.beta).get(f"/skus/{sku_id(session, 'A-1')}")

    assert response.status_code == 404
    assert "A-1" not in text_of(response.get_data(as_text=True))


def test_a_person_logged_in_with_a_password_sees_only_their_sellers_stock(screen, world, business, session):
    from tests.factories import ADMIN
    from wms.auth.users import create_user

    create_user(session, ADMIN, login="ada", name="Ada of ACME", role="seller", seller="ACME",
                password="correct horse battery")
    session.commit()
    browser = screen()
    response = browser.submit("/login?with=password", login="ada", password="correct horse battery")
    assert response.status_code == 303

    html = page(browser, "/stock")

    assert "Ada of ACME" in text_of(html)
    assert [r.split()[2] for r in sku_rows(html)] == ["A-1", "A-2"]
    assert browser.get(f"/skus/{sku_id(session, 'B-1')}").status_code == 404
