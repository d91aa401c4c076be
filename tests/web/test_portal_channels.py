"""Channels in the portal: each channel with its listings (desired against
pushed, last push, the marketplace's message, drift), a reconcile button
and a retry button; another seller's channel is not found; the dashboard
counts sync failures."""
from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from tests.factories import ADMIN
from tests.web.conftest import message_of, text_of
from wms.channels.models import Channel, Listing
from wms.channels.services import add_listings, create_channel


@pytest.fixture(autouse=True)
def _channel_key(monkeypatch):
    monkeypatch.setenv("WMS_CHANNEL_KEYS", Fernet.generate_key().decode())


@pytest.fixture
def shop(world, session) -> int:
    """ACME's webhook channel on WH1 with two listings: A-1 in step (10 pushed), A-2 refused by the marketplace."""
    channel = create_channel(session, ADMIN, {
        "seller": "ACME", "name": "ACME shop", "kind": "webhook", "warehouses": ["WH1"],
        "settings": {"url": "http://127.0.0.1:9/hook", "secret": "s3cret-value"}, "rules": {"buffer": 0}})
    add_listings(session, ADMIN, channel.id, [{"sku": "A-1", "external_id": "ext-a1"},
                                              {"sku": "A-2", "external_id": "ext-a2"}])
    session.commit()
    # What the sync worker records after its pushes and a reconciliation.
    session.execute(update(Listing).where(Listing.external_id == "ext-a1").values(
        pushed_version=Listing.version, pushed_qty=10, remote_qty=8, drift=-2))
    session.execute(update(Listing).where(Listing.external_id == "ext-a2").values(
        state="dead", attempts=3, last_error="400 Bad Request: unknown item ext-a2"))
    session.commit()
    return channel.id


def rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_a_seller_sees_its_channels_and_their_listings(screen, tokens, shop):
    browser = screen(tokens.acme)

    channels = rows(browser.get("/channels").get_data(as_text=True), "channel-table")
    listings = rows(browser.get(f"/channels/{shop}").get_data(as_text=True), "listing-table")

    assert channels == ["ACME shop webhook Active WH1 1 0 0 1 never"]
    assert listings[0].startswith("A-1 ext-a1 10 10 never In step")
    assert listings[0].endswith("8 -2")  # the marketplace showed 8: drift of -2
    assert "A-2 ext-a2 0 – never Refused (3 attempts) 400 Bad Request: unknown item ext-a2" in listings[1]


def test_reconcile_asks_the_worker_and_retry_revives_a_refused_listing(screen, tokens, shop, session):
    browser = screen(tokens.acme)
    page = browser.get(f"/channels/{shop}")

    reconciled = browser.send(browser.form(page, f"/channels/{shop}/reconcile"))
    assert message_of(browser.follow(reconciled)).startswith("ok: ACME shop: the sync worker will read")
    listing_id = session.scalar(select(Listing.id).where(Listing.external_id == "ext-a2"))
    session.commit()
    page = browser.get(f"/channels/{shop}")
    retried = browser.send(browser.form(page, f"/channels/{shop}/listings/{listing_id}/retry"))

    assert message_of(browser.follow(retried)) == "ok: The listing will be pushed again."
    requested = session.scalar(select(Channel.reconcile_requested_at).where(Channel.id == shop))
    state = session.scalar(select(Listing.state).where(Listing.id == listing_id))
    session.commit()
    assert requested is not None and state == "active"


def test_another_sellers_channel_is_not_found(screen, tokens, shop):
    response = screen(tokens.beta).get(f"/channels/{shop}")

    assert response.status_code == 404
    assert "ACME shop" not in text_of(response.get_data(as_text=True))
    assert rows(screen(tokens.beta).get("/channels").get_data(as_text=True), "channel-table") == [
        "No channel yet: connect one through the API."]


def test_the_dashboard_counts_sync_failures(screen, tokens, shop):
    html = screen(tokens.admin).get("/dashboard?warehouse=WH1").get_data(as_text=True)

    assert re.search(r'data-tile="Marketplace sync: Listings refused">\s*<span class="value">1<', html)
    assert re.search(r'data-tile="Marketplace sync: Listings failing">\s*<span class="value">0<', html)


def test_the_channel_pages_in_chinese_leave_no_english_message(screen, tokens, shop):
    from tests.web.test_languages import CHINESE, english_sources, leftovers

    browser = screen(tokens.acme)
    for path in ("/channels", f"/channels/{shop}"):
        html = browser.get(path, headers=CHINESE).get_data(as_text=True)
        assert leftovers(html, english_sources()) == [], path
