"""Orders in the portal: the list with filters, an order's page (lines,
allocation, history, picks, cartons, tracking), creating orders in a form or
by CSV upload with row-by-row messages; each seller's own only."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from fulfillment.models import Order
from tests.factories import ADMIN
from tests.web.conftest import message_of, new_order, new_pick_list, text_of


def order_count(session) -> int:
    n = session.scalar(select(func.count()).select_from(Order))
    session.commit()
    return n


def table(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.fixture
def shipped(world, session) -> int:
    """ACME's SO-SHIP: 3 A-1 from WH1, picked, packed in one carton and shipped with DHL."""
    from fulfillment.picking import confirm_pick, pack_order, ship_order

    order_id = new_order(session, reference="SO-SHIP")
    pick_list = new_pick_list(session)
    for pick in pick_list["picks"]:
        confirm_pick(session, ADMIN, pick_list["id"], pick["seq"], location=pick["location"], sku=pick["sku_id"],
                     qty=pick["qty"])
    pack_order(session, ADMIN, order_id, cartons=[{"length_mm": 300, "width_mm": 200, "height_mm": 100,
                                                   "weight_g": 900, "lines": [{"sku": "A-1", "qty": 3}]}])
    ship_order(session, ADMIN, order_id, carrier="DHL", tracking_number="JD0001")
    session.commit()
    return order_id


def test_a_seller_opens_a_shipped_order_and_sees_its_tracking(screen, tokens, shipped):
    html = screen(tokens.acme).get(f"/orders/{shipped}").get_data(as_text=True)

    assert text_of(html.split('id="order-status">')[1].split("<")[0]) == "Shipped"
    assert "Shipped with DHL: tracking JD0001" in text_of(html.split('id="tracking">')[1].split("</p>")[0])
    assert 'href="https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD0001"' in html
    assert table(html, "order-lines") == ["A-1 3 3 3"]
    history = [re.search(r"\d [AP]M (\w+)", r).group(1) for r in table(html, "order-history")]  # after the time
    assert history == ["Allocated", "Picking", "Picked", "Packed", "Shipped"]
    assert re.fullmatch(r"\d+ #1 A01-01-1 A-1 3 3 Picked .*", table(html, "order-picks")[0])
    assert table(html, "order-cartons") == ["1 300×200×100 mm 900 3 × A-1"]


def test_the_list_filters_by_status_and_reference(screen, tokens, shipped, session):
    new_order(session, reference="SO-OPEN")
    new_order(session, seller="BETA", reference="SO-BETA", lines=[{"sku": "B-1", "qty": 1}])
    browser = screen(tokens.acme)

    every = table(browser.get("/orders").get_data(as_text=True), "order-table")
    shipped_only = table(browser.get("/orders?status=shipped").get_data(as_text=True), "order-table")
    by_ref = table(browser.get("/orders?q=open").get_data(as_text=True), "order-table")

    assert [r.split()[0] for r in every] == ["SO-OPEN", "SO-SHIP"]
    assert [r.split()[0] for r in shipped_only] == ["SO-SHIP"]
    assert "JD0001" in shipped_only[0]
    assert [r.split()[0] for r in by_ref] == ["SO-OPEN"]


def test_another_sellers_order_is_not_found(screen, tokens, shipped):
    response = screen(tokens.beta).get(f"/orders/{shipped}")

    assert response.status_code == 404
    assert "SO-SHIP" not in text_of(response.get_data(as_text=True))


def test_a_seller_creates_an_order_in_the_form(screen, tokens, world):
    browser = screen(tokens.acme)
    form = browser.form(browser.get("/orders/new"), "/orders/new")

    response = browser.client.post(form.action, data={
        **form.fields, "reference": "SO-FORM", "name": "Bo", "line1": "2 Elm St", "city": "Reno",
        "postal_code": "89501", "country": "us", "line_sku": ["A-1", ""], "line_qty": ["2", ""]})

    page = browser.follow(response)
    assert message_of(page) == "ok: Order SO-FORM created and allocated."
    assert table(page.get_data(as_text=True), "order-lines") == ["A-1 2 2 0"]


def test_a_bad_field_in_the_order_form_is_named(screen, tokens, world, session):
    browser = screen(tokens.acme)
    form = browser.form(browser.get("/orders/new"), "/orders/new")
    before = order_count(session)

    response = browser.client.post(form.action, data={
        **form.fields, "reference": "SO-FORM", "name": "Bo", "line1": "2 Elm St", "city": "Reno",
        "postal_code": "89501", "country": "USA", "line_sku": ["A-1"], "line_qty": ["2"]})

    assert response.status_code == 422
    assert message_of(response) == "error: Country: ISO 3166 alpha-2 code"
    assert order_count(session) == before


def upload(browser, text: str):
    form = browser.form(browser.get("/orders/new"), "/orders/upload")
    return browser.client.post(form.action, data={**form.fields, "file": (io.BytesIO(text.encode()), "o.csv")},
                               content_type="multipart/form-data")


CSV = """reference,carrier,name,line1,city,postal_code,country,sku,qty
SO-C1,UPS,Ada,1 Main St,Austin,78701,US,A-1,1
SO-C1,UPS,Ada,1 Main St,Austin,78701,US,A-2,1
SO-C2,,Bo,2 Elm St,Reno,89501,US,A-1,2
"""


def test_a_csv_upload_creates_one_order_per_reference(screen, tokens, world):
    browser = screen(tokens.acme)

    page = browser.follow(upload(browser, CSV))

    assert message_of(page) == "ok: 2 order(s) created from the file: SO-C1, SO-C2."
    rows = table(page.get_data(as_text=True), "order-table")
    assert [r.split()[:2] for r in rows] == [["SO-C2", "Allocated"], ["SO-C1", "Backordered"]]  # no A-2 on hand


def test_a_csv_with_a_bad_row_creates_nothing(screen, tokens, world, session):
    before = order_count(session)

    response = upload(screen(tokens.acme), CSV + "SO-C3,,Cy,3 Oak St,Boise,83701,US,B-1,1\n"
                                                 "SO-C4,,Di,4 Ash St,Boise,83701,US,A-1,0\n")

    assert response.status_code == 422
    assert table(response.get_data(as_text=True), "upload-problems") == [
        "5 sku unknown SKU 'B-1'", "6 qty Must be greater than or equal to 1 and less than or equal to 1000000."]
    assert order_count(session) == before
