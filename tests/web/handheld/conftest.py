"""A phone in a shift's hands: Debian's Chromium, driven by Playwright, at a
360x740 touch viewport, against the app served over committed data. A
keyboard-wedge scanner is keystrokes typed into whatever has the focus,
then Enter; taps are touch events. Every helper checks what a person would
notice: the message at the top, and where the focus is for the next scan.

Set WMS_SCREENSHOTS=docs/screenshots to keep a PNG of the main screens."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import ADMIN, make_world
from wms.app import create_app
from wms.auth.services import create_token
from wms.auth.users import create_user
from wms.config import Settings
from wms.db import make_sessionmaker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {
    "viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
    "user_agent": "Mozilla/5.0 (Linux; Android 11; TC52) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0 Mobile Safari/537.36",
}

BADGE, PIN = "OP-0001", "4821"  # Maria Lopez, operator of WH1


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/web/handheld/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is absent: `apt-get install -y chromium`"))


class Phone:
    """One operator's handheld."""

    def __init__(self, page, base: str, expect):
        self.page, self.base, self.expect = page, base, expect

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def focused(self) -> str:
        return self.page.evaluate("document.activeElement && document.activeElement.id")

    def scan(self, text: str) -> None:
        """What a wedge scanner does: type into the focused field, press Enter (which sends the form)."""
        self.page.keyboard.type(text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def type(self, text: str) -> None:
        """Keys into the focused field without Enter (a prefix, a field that moves on)."""
        self.page.keyboard.type(text)

    def tap(self, selector: str, *, navigates: bool = True) -> None:
        if navigates:
            with self.page.expect_navigation():
                self.page.tap(selector)
        else:
            self.page.tap(selector)

    def message(self) -> str:
        """kind: text of the big message at the top ("" when there is none)."""
        found = self.page.locator("#message")
        if found.count() == 0:
            return ""
        kind = next(c for c in found.get_attribute("class").split() if c != "message")
        return f"{kind}: {' '.join(found.inner_text().split())}"

    def shot(self, name: str) -> None:
        folder = os.environ.get("WMS_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def served(committed_db):
    """serve(setup) -> (base URL, operator token of WH1, what setup(session, world) returned): the world
    and Maria (badge BADGE, PIN PIN)
    made and committed, then setup's own data, then the app on a real HTTP server."""
    url, engine = committed_db
    servers = []

    def serve(setup: Callable | None = None):
        with make_sessionmaker(engine)() as session:
            world = make_world(session)
            _token, raw = create_token(session, ADMIN, name="dock 1", role="operator", warehouses=["WH1"])
            create_user(session, ADMIN, login="maria", name="Maria Lopez", role="operator", warehouses=["WH1"],
                        badge=BADGE, pin=PIN)
            extra = setup(session, world) if setup else None
            session.commit()
        app = create_app({"WMS_SETTINGS": Settings(database_url=url)})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread, app))
        return f"http://127.0.0.1:{server.server_port}", raw, extra

    yield serve
    for server, thread, app in servers:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["wms"]["engine"].dispose()


@pytest.fixture
def phone():
    """phone(base) -> a Phone at 360x740 with touch."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield lambda base: Phone(browser.new_context(**PHONE).new_page(), base, sync_api.expect)
        finally:
            browser.close()


def login_with_token(device: Phone, token: str, path: str = "/") -> None:
    device.open(path)
    device.page.click("summary")
    device.page.fill("#token", token)
    with device.page.expect_navigation():
        device.page.press("#token", "Enter")


def login(device: Phone, path: str = "/") -> None:
    """Maria scans her badge (Enter moves on to the PIN) and types her PIN."""
    device.open(path)
    assert device.focused() == "badge"
    device.type(BADGE)
    device.page.keyboard.press("Enter")
    assert device.focused() == "pin"
    device.scan(PIN)
