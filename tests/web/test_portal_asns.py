"""ASNs in the portal: the list (closed ones stay), an ASN's page with its
receipts and discrepancy report, creating one in a form or by CSV upload
with row-by-row messages, and each seller's own only."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.factories import ADMIN
from tests.web.conftest import message_of, new_asn, text_of
from wms.inbound.models import Asn
from wms.inbound.services import close_asn, receive_units


def asn_count(session) -> int:
    n = session.scalar(select(func.count()).select_from(Asn))
    session.commit()
    return n


def table(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.fixture
def closed_asn(world, session) -> int:
    """ACME's PO-CLOSED: 20 A-1 and 5 A-2 expected; 18 A-1 received (2 of them damaged), no A-2; closed."""
    asn_id = new_asn(session, reference="PO-CLOSED")
    receive_units(session, ADMIN, asn_id, qty=16, barcode="BA-1")
    receive_units(session, ADMIN, asn_id, qty=2, barcode="BA-1", condition="damaged")
    close_asn(session, ADMIN, asn_id)
    session.commit()
    return asn_id


def test_the_list_keeps_closed_asns_with_their_progress(screen, tokens, closed_asn, session):
    new_asn(session, reference="PO-OPEN")
    new_asn(session, seller="BETA", reference="PO-BETA", lines=[{"sku": "B-1", "qty": 4}])

    rows = table(screen(tokens.acme).get("/asns").get_data(as_text=True), "asn-table")

    assert [r.split()[0] for r in rows] == ["PO-OPEN", "PO-CLOSED"]  # newest first; BETA's is not there
    assert "Closed 18 / 25" in rows[1]
    assert "Expected 0 / 25" in rows[0]


def test_the_list_filters_by_status(screen, tokens, closed_asn, session):
    new_asn(session, reference="PO-OPEN")

    rows = table(screen(tokens.acme).get("/asns?status=closed").get_data(as_text=True), "asn-table")

    assert [r.split()[0] for r in rows] == ["PO-CLOSED"]


def test_a_closed_asn_shows_receipts_damage_and_its_discrepancy_report(screen, tokens, closed_asn):
    html = screen(tokens.acme).get(f"/asns/{closed_asn}").get_data(as_text=True)

    assert text_of(html.split('id="asn-status">')[1].split("<")[0]) == "Closed"
    assert table(html, "asn-lines") == ["A-1 20 18 2 0", "A-2 5 0 0 0"]
    # SKU, lot, expected, received, damaged, short, over
    assert table(html, "discrepancy-report") == ["A-1 20 18 2 2 0", "A-2 5 0 0 5 0"]
    assert table(html, "receipts")[0].endswith("A-1 16 Good")
    assert table(html, "receipts")[1].endswith("A-1 2 Damaged")


@pytest.mark.parametrize("path", ["/asns/{id}", "/skus/{sku}"])
def test_another_sellers_asn_and_sku_pages_are_not_found(screen, tokens, closed_asn, session, path):
    from wms.catalog.models import Sku

    sku = session.scalar(select(Sku.id).where(Sku.code == "A-1"))
    session.commit()

    response = screen(tokens.beta).get(path.format(id=closed_asn, sku=sku))

    assert response.status_code == 404
    assert "PO-CLOSED" not in text_of(response.get_data(as_text=True))


def test_a_seller_creates_an_asn_in_the_form(screen, tokens, world, session):
    browser = screen(tokens.acme)
    form = browser.form(browser.get("/asns/new"), "/asns/new")

    response = browser.client.post(form.action, data={
        **form.fields, "reference": "PO-FORM-1", "warehouse": "WH1", "expected_at": "2026-12-24",
        "transport_mode": "air", "line_sku": ["A-1", "", "A-2"], "line_qty": ["12", "", "3"],
        "line_lot": ["", "", ""], "line_expiry": ["", "", ""]})

    page = browser.follow(response)
    assert message_of(page) == "ok: ASN PO-FORM-1 created."
    assert table(page.get_data(as_text=True), "asn-lines") == ["A-1 12 0 0 12", "A-2 3 0 0 3"]


def test_a_bad_line_in_the_form_is_named_and_nothing_is_created(screen, tokens, world, session):
    browser = screen(tokens.acme)
    form = browser.form(browser.get("/asns/new"), "/asns/new")
    before = asn_count(session)

    response = browser.client.post(form.action, data={
        **form.fields, "reference": "PO-FORM-2", "warehouse": "WH1",
        "line_sku": ["A-1", "", "B-1"], "line_qty": ["12", "", "3"]})

    assert response.status_code == 422
    assert message_of(response) == "error: Line 3 sku: unknown SKU 'B-1'"
    assert 'value="PO-FORM-2"' in response.get_data(as_text=True)  # what was typed stays
    assert asn_count(session) == before


def upload(browser, text: str):
    form = browser.form(browser.get("/asns/new"), "/asns/upload")
    return browser.client.post(form.action, data={**form.fields, "file": (io.BytesIO(text.encode()), "asns.csv")},
                               content_type="multipart/form-data")


GOOD_CSV = """reference,warehouse,expected_at,transport_mode,sku,qty,lot,expiry
PO-CSV-1,WH1,2026-12-20,sea,A-1,100,,
PO-CSV-1,WH1,2026-12-20,sea,A-2,40,,
PO-CSV-2,WH2,,,A-1,7,,
"""


def test_a_csv_upload_creates_one_asn_per_reference(screen, tokens, world, session):
    browser = screen(tokens.acme)

    page = browser.follow(upload(browser, GOOD_CSV))

    assert message_of(page) == "ok: 2 ASN(s) created from the file: PO-CSV-1, PO-CSV-2."
    rows = table(page.get_data(as_text=True), "asn-table")
    assert [r.split()[:2] for r in rows] == [["PO-CSV-2", "WH2"], ["PO-CSV-1", "WH1"]]
    assert "0 / 140" in rows[1]


def test_a_csv_with_bad_rows_names_each_and_creates_nothing(screen, tokens, world, session):
    browser = screen(tokens.acme)
    before = asn_count(session)
    bad = GOOD_CSV + "PO-CSV-3,WH1,,,A-2,many,,\nPO-CSV-3,WH1,,,NOPE,1,,\nPO-CSV-4,WH9,,,A-1,1,,\n"

    response = upload(browser, bad)

    assert response.status_code == 422
    assert message_of(response) == ("error: 3 row(s) have errors: nothing was created. "
                                    "Correct them and upload the file again.")
    problems = table(response.get_data(as_text=True), "upload-problems")
    assert problems == ["5 qty Not a valid integer.", "6 sku unknown SKU 'NOPE'",
                        "7 warehouse unknown warehouse 'WH9'"]
    assert asn_count(session) == before


def test_a_csv_that_is_not_one_is_a_clear_error(screen, tokens, world, session):
    response = upload(screen(tokens.acme), "just some words\n")

    assert response.status_code == 422
    assert message_of(response).startswith("error: File: the first row must name the columns; missing: reference")


def test_an_operator_may_not_create_asns(screen, tokens, world):
    assert screen(tokens.wh1_operator).get("/asns/new").status_code == 403
