"""End to end in a real browser: Debian's Chromium, driven by Playwright,
against the app served by a real HTTP server over committed data."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import ADMIN, make_world
from tests.web.conftest import asn_lines, new_asn
from wms.app import create_app
from wms.auth.services import create_token
from wms.config import Settings
from wms.db import make_sessionmaker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: `apt-get install -y chromium` "
                                                      "to run the browser test"),
]


@pytest.fixture
def live_server(committed_db):
    """(base URL, an operator token of WH1, an open ASN of 20 A-1 and 5 A-2 in WH1)."""
    url, engine = committed_db
    with make_sessionmaker(engine)() as session:
        make_world(session)
        _token, raw = create_token(session, ADMIN, name="dock 1", role="operator", warehouses=["WH1"])
        asn_id = new_asn(session)
    app = create_app({"WMS_SETTINGS": Settings(database_url=url)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", raw, asn_id
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["wms"]["engine"].dispose()


def test_an_operator_receives_a_unit_by_scanning_its_barcode(live_server, committed_db):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    base, token, asn_id = live_server

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 412, "height": 900})  # a phone held upright
            page.goto(f"{base}/receive/{asn_id}")
            page.click("summary")  # the login page: "Log in with an API token", then back to the ASN
            page.fill("#token", token)
            with page.expect_navigation():
                page.press("#token", "Enter")
            assert page.evaluate("document.activeElement.id") == "barcode"

            page.keyboard.type("BA-1")  # what a keyboard-wedge scanner types into the focused field
            with page.expect_navigation():
                page.keyboard.press("Enter")

            sync_api.expect(page.locator("#message")).to_have_text("Received 1 × A-1 (good).")
            sync_api.expect(page.locator("table.lines tbody tr").first).to_contain_text("A-1")
            first_line = page.locator("table.lines tbody tr").first.locator("td").all_inner_texts()
            assert [cell.strip() for cell in first_line[1:]] == ["20", "1", "19"]  # expected, received, to come
            assert page.evaluate("document.activeElement.id") == "barcode"  # ready for the next scan
        finally:
            browser.close()

    _url, engine = committed_db
    with make_sessionmaker(engine)() as session:
        assert asn_lines(session, asn_id)["A-1"] == (20, 1, 0)
