"""Fixtures and helpers for the web screens' tests.

`world` is tests.factories.make_world: warehouses WH1 (US) and WH2 (DE) with
small layouts (bins A01-01-1 .. A03-04-2, DOCK, QUARANTINE, PACK), sellers
ACME (SKUs A-1, A-2) and BETA (B-1, B-2), barcodes "B" + code; WH1 A01-01-1
holds 10 A-1, WH1 A01-02-1 holds 7 B-1, WH2 A01-01-1 holds 5 A-1.

A `Screen` is one person at a browser: a test client with its own cookies
that reads the forms of the page it is on and sends them back with their
hidden fields (CSRF token, idempotency key), as a browser does. Tests look
at the database through `session`: each read starts by expiring what the
session holds (the requests changed it behind its back) and ends with a
commit, so that the savepoint a read opens never swallows the writes of the
requests that follow it.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.factories import ADMIN, World, make_world
from wms import cache as wms_cache
from wms.inbound.services import create_asn, get_asn
from wms.inventory.services import list_location_balances, list_stock
from wms.ledger.models import Movement


@pytest.fixture(autouse=True)
def _fresh_bin_cache():
    """The putaway planner caches each warehouse's bins per process, keyed by
    location ids that rolled-back tests reuse: each test starts afresh."""
    wms_cache.clear_all()
    yield
    wms_cache.clear_all()


# --- reading pages like a browser ----------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def text_of(html: str) -> str:
    """The page's visible text on one line, for `in` checks."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def message_of(response) -> str | None:
    """The large message at the top of a screen (success or error)."""
    found = re.search(r'<p class="message (\w+)"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    return f"{found.group(1)}: {text_of(found.group(2))}" if found else None


class BrowserClient:
    """A test client that, like a browser, follows the 303 with which a form's
    error is answered (wms.web.guard.redirect_failure) to the page showing
    it; `sent_first` keeps that 303 for the tests of the redirect itself."""

    def __init__(self, client):
        self._client = client
        self.sent_first = None

    def __getattr__(self, name):
        return getattr(self._client, name)

    def post(self, *args, **kw):
        sent = self._client.post(*args, **kw)
        self.sent_first = sent
        if sent.status_code == 303 and "failed=" in sent.headers.get("Location", ""):
            location = urlsplit(sent.headers["Location"])
            return self._client.get(location.path, query_string=location.query, headers=kw.get("headers"))
        return sent


class Screen:
    """One person at a browser, logged in or not."""

    def __init__(self, client):
        self.client = BrowserClient(client)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def follow(self, response):
        """GET where a redirect points (the browser's next page)."""
        assert response.status_code in (302, 303), (response.status_code, response.get_data(as_text=True)[:500])
        location = urlsplit(response.headers["Location"])
        return self.client.get(location.path, query_string=location.query)

    def form(self, page, action: str | None = None) -> Form:
        """The POST form of a page (the one sent to `action`, else the first
        one that is not the log-out button)."""
        posts = [f for f in forms_of(page.get_data(as_text=True)) if f.method == "post"]
        chosen = [f for f in posts if f.action == action] if action else [f for f in posts if f.action != "/logout"]
        assert chosen, f"no form to {action or 'post'} on the page: {[f.action for f in posts]}"
        return chosen[0]

    def send(self, form: Form, **values):
        """Send a form as read from a page, with these fields typed in. An
        error is answered with a 303 to the screen showing it (wms.web.guard):
        that page is returned, as a browser would show it."""
        return self.client.post(form.action, data={**form.fields, **{k: str(v) for k, v in values.items()}})

    def submit(self, path: str, action: str | None = None, **values):
        """Open the screen at path, fill in its form and send it."""
        return self.send(self.form(self.get(path), action), **values)

    def login(self, token: str):
        response = self.submit("/login", token=token)
        assert response.status_code == 303, message_of(response)
        return response


@pytest.fixture
def world(session) -> World:
    return make_world(session)


@pytest.fixture
def screen(app):
    """Open a browser for someone: screen(token) is logged in with that token,
    screen() is not logged in."""
    def open_screen(token: str | None = None) -> Screen:
        s = Screen(app.test_client())
        if token is not None:
            s.login(token)
        return s

    return open_screen


@dataclass
class Tokens:
    admin: str
    acme: str          # seller ACME
    beta: str          # seller BETA
    wh1_operator: str  # operator of WH1
    wh2_operator: str  # operator of WH2


@pytest.fixture
def tokens(world, make_api) -> Tokens:
    return Tokens(
        admin=make_api("admin").token,
        acme=make_api("seller", seller="ACME").token,
        beta=make_api("seller", seller="BETA").token,
        wh1_operator=make_api("operator", warehouses=["WH1"]).token,
        wh2_operator=make_api("operator", warehouses=["WH2"]).token,
    )


# --- the world's data, read and made through the services ----------------------------

def new_asn(session, *, seller="ACME", warehouse="WH1", reference="PO-1001", lines=None) -> int:
    """An open ASN (by default 20 A-1 and 5 A-2 for ACME into WH1)."""
    asn = create_asn(session, ADMIN, {
        "seller": seller, "warehouse": warehouse, "reference": reference, "transport_mode": "sea",
        "carrier": "Maersk", "expected_at": datetime.now(UTC) + timedelta(days=3),
        "lines": lines or [{"sku": "A-1", "qty": 20}, {"sku": "A-2", "qty": 5}],
    })
    session.commit()
    return asn.id


def asn_lines(session, asn_id: int) -> dict[str, tuple[int, int, int]]:
    """(expected, received, damaged) per SKU code of an ASN."""
    session.expire_all()
    from wms.inbound.views import asn_view

    view = asn_view(session, get_asn(session, ADMIN, asn_id))
    session.commit()
    return {ln["sku"]: (ln["expected_qty"], ln["received_qty"], ln["damaged_qty"]) for ln in view["lines"]}


def stock(session, warehouse: str, sku: str, seller: str = "ACME") -> dict[str, int]:
    """Every bucket of one SKU in one warehouse (empty when it has no row)."""
    session.expire_all()
    rows = list_stock(session, ADMIN, warehouse=warehouse, sku=sku, seller=seller)
    session.commit()
    return {k: v for k, v in rows[0].items() if isinstance(v, int) and k not in ("id", "sku_id")} if rows else {}


def on_hand(session, warehouse: str, location: str) -> dict[str, int]:
    """Units per SKU code in one location."""
    session.expire_all()
    rows = list_location_balances(session, ADMIN, warehouse=warehouse, location=location, limit=500)
    session.commit()
    return {r["sku"]: r["on_hand"] for r in rows}


def movement_count(session) -> int:
    n = session.scalar(select(func.count()).select_from(Movement))
    session.commit()
    return n


def new_order(session, *, seller="ACME", warehouse="WH1", reference="SO-1", lines=None) -> int:
    """An order allocated in one warehouse (by default 3 A-1 for ACME from WH1)."""
    from fulfillment.orders import create_order

    order = create_order(session, ADMIN, {
        "seller": seller, "warehouse": warehouse, "reference": reference,
        "ship_to": {"name": "Ada", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"},
        "lines": lines or [{"sku": "A-1", "qty": 3}],
    })
    session.commit()
    return order.id


def new_pick_list(session, warehouse: str = "WH1") -> dict:
    """Plan a wave of the warehouse's allocated orders: its first pick list."""
    from fulfillment.views import pick_list_view
    from fulfillment.waves import plan_wave

    wave = plan_wave(session, ADMIN, warehouse, time_limit_s=1.0, seed=0)
    view = pick_list_view(session, wave.pick_lists[0])
    session.commit()
    return view


def pick_list_of(session, pick_list_id: int) -> dict:
    session.expire_all()
    from fulfillment.queries import get_pick_list
    from fulfillment.views import pick_list_view

    view = pick_list_view(session, get_pick_list(session, ADMIN, pick_list_id))
    session.commit()
    return view
