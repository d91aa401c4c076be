"""The seller portal and the operations pages end to end in a real browser
(Debian's Chromium driven by Playwright), on a desktop and on a phone,
against the app served over committed data."""
from __future__ import annotations

import csv
import io
import json
import os
import threading
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import ADMIN, make_world
from tests.web.conftest import new_asn
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS
from wms.app import create_app
from wms.auth.services import create_token
from wms.auth.users import create_user
from wms.config import Settings
from wms.db import make_sessionmaker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: `apt-get install -y chromium` "
                                                      "to run the browser tests"),
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 800}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}
# Set WMS_SCREENSHOTS=docs/screenshots to save the pages the tests visit.
SHOTS = os.environ.get("WMS_SCREENSHOTS")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Live:
    def __init__(self, base: str, tokens: dict[str, str], engine):
        self.base, self.tokens, self.engine = base, tokens, engine

    def session(self):
        return make_sessionmaker(self.engine)()

    def api(self, token: str, path: str):
        request = urllib.request.Request(self.base + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


@pytest.fixture
def live(committed_db):
    url, engine = committed_db
    tokens = {}
    with make_sessionmaker(engine)() as session:
        make_world(session)
        for name, role, extra in (("acme", "seller", {"seller": "ACME"}), ("beta", "seller", {"seller": "BETA"}),
                                  ("operator", "operator", {"warehouses": ["WH1"]}), ("admin", "admin", {})):
            # A person logs in to the pages; the test checks them against the API with a token.
            _token, tokens[name] = create_token(session, ADMIN, name=f"{name} api", role=role, **extra)
            create_user(session, ADMIN, login=name, name=f"{name.capitalize()} Person", role=role,
                        password=PASSWORD, **extra)
        session.commit()
    app = create_app({"WMS_SETTINGS": Settings(database_url=url)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", tokens, engine)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["wms"]["engine"].dispose()


def open_page(chromium, live: Live, who: str, path: str, device: str = "desktop"):
    context = chromium.new_context(accept_downloads=True, **VIEWPORTS[device])
    page = context.new_page()
    log_in(page, live, who, path)
    return page


def log_in(page, live: Live, who: str, path: str) -> None:
    """A person's login and password on the login page the path leads to."""
    page.goto(live.base + path)
    with page.expect_navigation():
        page.click("a[href*=\"with=password\"]")  # the same link in every language
    page.fill("#login", who)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_seller_finds_a_sku_by_name_and_exports_what_the_api_says(chromium, live, device):
    from playwright.sync_api import expect

    page = open_page(chromium, live, "acme", "/stock", device)
    page.fill("#q", "item a-2")
    with page.expect_navigation():
        page.press("#q", "Enter")

    expect(page.locator("tr.sku-row")).to_have_count(1)
    expect(page.locator("tr.sku-row")).to_contain_text("A-2")
    page.fill("#q", "")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    page.locator("tr.sku-row", has_text="A-1").locator("button.expand").click()
    expect(page.locator("tr.wh-row:visible")).to_have_count(2)  # A-1 in WH1 and WH2
    if device == "phone":
        no_sideways_scroll(page)
    shot(page, f"stock-{device}")
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))

    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in live.api(live.tokens["acme"], "/stock?limit=200")["items"]:
        for bucket in ("sellable", "reserved", "available", "expected", "unsellable"):
            totals[row["sku"]][bucket] += row[bucket]
    assert [r["sku"] for r in exported] == ["A-1", "A-2"]
    for r in exported:
        buckets = ("sellable", "reserved", "available", "expected", "unsellable")
        assert {b: int(r[b]) for b in buckets} == {b: totals[r["sku"]][b] for b in buckets}
    assert int(exported[0]["sellable"]) == 15  # 10 in WH1 and 5 in WH2


def test_a_seller_uploads_asns_fixes_a_bad_row_and_sees_the_closed_report(chromium, live):
    from playwright.sync_api import expect

    page = open_page(chromium, live, "acme", "/asns/new")
    bad = b"reference,warehouse,sku,qty\nPO-B1,WH1,A-1,30\nPO-B1,WH1,A-2,ten\n"
    page.set_input_files("#file", files=[{"name": "asns.csv", "mimeType": "text/csv", "buffer": bad}])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")

    expect(page.locator("#message")).to_contain_text("1 row(s) have errors: nothing was created")
    expect(page.locator("#upload-problems tbody tr")).to_have_count(1)
    assert page.locator("#upload-problems tbody tr td").all_inner_texts() == ["3", "qty", "Not a valid integer."]
    shot(page, "asn-upload-errors")
    assert live.api(live.tokens["acme"], "/asns")["items"] == []

    good = bad.replace(b"ten", b"10")
    page.set_input_files("#file", files=[{"name": "asns.csv", "mimeType": "text/csv", "buffer": good}])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    expect(page.locator("#message")).to_contain_text("1 ASN(s) created from the file: PO-B1.")

    # The warehouse receives 28 A-1 (2 damaged) and nothing of A-2, and closes the ASN.
    from wms.inbound.services import close_asn, receive_units

    asn_id = live.api(live.tokens["acme"], "/asns")["items"][0]["id"]
    with live.session() as session:
        receive_units(session, ADMIN, asn_id, qty=26, barcode="BA-1")
        receive_units(session, ADMIN, asn_id, qty=2, barcode="BA-1", condition="damaged")
        close_asn(session, ADMIN, asn_id)
    with page.expect_navigation():
        page.click("#asn-table a >> text=PO-B1")
    expect(page.locator("#asn-status")).to_have_text("Closed")
    expect(page.locator("#discrepancy-report tbody tr")).to_have_count(2)
    expect(page.locator("#discrepancy-report tbody tr").first).to_contain_text("A-1")
    shot(page, "asn-closed")


def test_a_seller_opens_an_order_and_sees_its_tracking_and_other_sellers_pages_are_not_found(chromium, live):
    from playwright.sync_api import expect

    from fulfillment.orders import create_order
    from fulfillment.picking import confirm_pick, pack_order, ship_order
    from fulfillment.views import pick_list_view
    from fulfillment.waves import plan_wave

    with live.session() as session:
        order = create_order(session, ADMIN, {
            "seller": "ACME", "warehouse": "WH1", "reference": "SO-TRACK", "lines": [{"sku": "A-1", "qty": 2}],
            "ship_to": {"name": "Ada", "line1": "1 Main St", "city": "Austin", "postal_code": "78701",
                        "country": "US"}})
        order_id = order.id
        wave = plan_wave(session, ADMIN, "WH1", time_limit_s=1.0)
        pick_list = pick_list_view(session, wave.pick_lists[0])
        for p in pick_list["picks"]:
            confirm_pick(session, ADMIN, pick_list["id"], p["seq"], location=p["location"], sku=p["sku_id"],
                         qty=p["qty"])
        pack_order(session, ADMIN, order_id, cartons=[{"length_mm": 300, "width_mm": 200, "height_mm": 100,
                                                       "weight_g": 900, "lines": [{"sku": "A-1", "qty": 2}]}])
        ship_order(session, ADMIN, order_id, carrier="UPS", tracking_number="1Z999AA10123456784")
        asn_id = new_asn(session, reference="PO-SECRET")
    page = open_page(chromium, live, "acme", "/orders", "phone")
    with page.expect_navigation():
        page.click("#order-table a >> text=SO-TRACK")
    expect(page.locator("#order-status")).to_have_text("Shipped")
    expect(page.locator("#tracking a")).to_have_attribute("href", "https://www.ups.com/track?tracknum=1Z999AA10123456784")
    no_sideways_scroll(page)
    shot(page, "order-phone")
    sku_id = live.api(live.tokens["acme"], "/skus?code=A-1")["items"][0]["id"]

    other = open_page(chromium, live, "beta", "/stock")
    for path in (f"/orders/{order_id}", f"/skus/{sku_id}", f"/asns/{asn_id}"):
        response = other.goto(live.base + path)
        assert response.status == 404, path
        shown = other.inner_text("main")
        assert "SO-TRACK" not in shown and "PO-SECRET" not in shown and "A-1" not in shown


def test_an_operator_plans_a_wave_from_the_page_and_sees_the_route(chromium, live):
    from playwright.sync_api import expect

    from fulfillment.orders import create_order

    with live.session() as session:
        for n, (seller, sku) in enumerate((("ACME", "A-1"), ("BETA", "B-1"), ("ACME", "A-1"))):
            create_order(session, ADMIN, {
                "seller": seller, "warehouse": "WH1", "reference": f"SO-W{n}", "lines": [{"sku": sku, "qty": 1}],
                "ship_to": {"name": "Bo", "line1": "2 Elm St", "city": "Reno", "postal_code": "89501",
                            "country": "US"}})
    page = open_page(chromium, live, "operator", "/dashboard")
    shot(page, "dashboard")
    with page.expect_navigation():
        page.click("nav.tabs >> text=Waves")
    expect(page.locator("#ready")).to_have_text("3")
    page.fill("#cart_capacity_units", "2")
    with page.expect_navigation():
        page.click("#plan")

    expect(page.locator("#message")).to_contain_text("Wave ")
    expect(page.locator("#wave-figures")).to_contain_text("One order at a time")
    routes = page.locator("svg.layout g.route polyline")
    assert routes.count() == page.locator("article.pick-list").count() >= 2  # 3 units, carts of 2
    assert routes.first.is_visible()
    shot(page, "wave")
    with page.expect_navigation():
        page.click("nav.tabs >> text=Layout")
    page.locator('svg.layout rect[data-bay="A01-01"]').click()
    expect(page.locator("#bay")).to_have_text("Bay A01-01")
    shot(page, "layout")


def test_the_chinese_portal_renders_with_no_untranslated_string(chromium, live):
    from tests.web.test_languages import english_sources, leftovers

    context = chromium.new_context(locale="zh-CN", **VIEWPORTS["phone"])  # the browser asks for Chinese
    page = context.new_page()
    log_in(page, live, "acme", "/stock")
    sources = english_sources()
    for path in ("/stock", "/asns", "/asns/new", "/orders", "/orders/new"):
        page.goto(live.base + path)
        assert page.get_attribute("html", "lang") == "zh"
        assert leftovers(page.content(), sources) == [], path
    page.goto(live.base + "/stock")
    assert page.locator("#export-csv").inner_text() == "导出 CSV"
    no_sideways_scroll(page)
    shot(page, "stock-zh-phone")
    context.close()
