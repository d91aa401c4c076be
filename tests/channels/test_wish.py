"""Wish V3 as published (updateProduct / getProduct with a variation's
inventories per warehouse) against the sandbox over loopback, and Wish's own
rate-limit header."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.channels.conftest import listing_row
from tests.channels.sandbox_helpers import drain, make_channel, state
from wms.channels.connectors.base import PushItem, Throttled
from wms.channels.connectors.wish import WishConnector
from wms.channels.sandbox import SandboxServer
from wms.channels.worker import SyncWorker


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    httpx.post(f"{sandbox_server.url}/_sandbox/reset")
    return sandbox_server.url


def test_a_variations_other_warehouses_keep_their_inventory(session, world, sandbox, sessionmaker_, database_url):
    # The variation is also stocked in another Wish warehouse (say, a Wish-run one).
    httpx.post(f"{sandbox}/_sandbox/stock", json={"kind": "wish", "key": "P1:V1@WHS-FBW", "qty": 7})
    channel_id = make_channel(session, sandbox, "wish", skus=("A-1", "A-2"))
    worker = SyncWorker(sessionmaker_, database_url, http=httpx.Client())

    drain(worker)

    stock = state(sandbox)["stock"]["wish"]
    assert stock["P1:V1@WHS-1"] == 10 and stock["P1:V2@WHS-1"] == 0
    assert stock["P1:V1@WHS-FBW"] == 7  # sent back as it was
    assert state(sandbox)["requests"]["wish"] == 1  # both variations in one updateProduct
    assert listing_row(session, channel_id, "P1:V1").pushed_qty == 10


def test_an_unknown_product_goes_dead_with_wishs_message(session, world, sandbox, sessionmaker_, database_url):
    channel_id = make_channel(session, sandbox, "wish")
    httpx.post(f"{sandbox}/_sandbox/reset")  # Wish no longer has product P1
    worker = SyncWorker(sessionmaker_, database_url, http=httpx.Client())

    drain(worker)

    row = listing_row(session, channel_id, "P1:V1")
    assert row.state == "dead" and "no product P1" in row.last_error


def test_wish_rate_limit_reset_is_the_wait():
    reset = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Wish-Rate-Limit-Reset": reset, "Wish-Rate-Limit-Remaining": "0"},
                              json={"code": 1030, "message": "Too many requests"})

    connector = WishConnector(settings={"base_url": "http://wish.test"}, credentials={"access_token": "t"},
                              client=httpx.Client(transport=httpx.MockTransport(handler)))
    started = time.monotonic()
    with pytest.raises(Throttled) as caught:
        connector.push([PushItem(1, "P1:V1", "WHS-1", "A-1", 3, 1)])
    assert 25 < caught.value.retry_after <= 30  # from Wish's header, not a default
    assert time.monotonic() - started < 5  # too long to wait inside the call: the channel is parked
