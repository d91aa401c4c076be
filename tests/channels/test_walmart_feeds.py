"""Walmart's bulk inventory feed against the sandbox over loopback: changes
go out as one feed, its status is polled and each item is settled on its
own; a listing going to zero is sent at once as a single item, even while a
feed holding an older figure is still processed; a feed refused as a whole
is retried, and one that never finishes is given up and sent again."""
from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select, update

from tests.channels.conftest import assert_problem, listing_row
from tests.channels.sandbox_helpers import drain, fault, make_channel, remote, state
from tests.factories import loc, put_stock
from wms.channels.models import ChannelFeed, Listing
from wms.channels.sandbox import SandboxServer
from wms.channels.worker import SyncWorker
from wms.facility.services import virtual_location
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    httpx.post(f"{sandbox_server.url}/_sandbox/reset")
    return sandbox_server.url


@pytest.fixture
def worker(sessionmaker_, database_url):
    w = SyncWorker(sessionmaker_, database_url, http=httpx.Client())
    yield w
    w.http.close()


def _feeds(session):
    session.expire_all()
    return session.execute(select(ChannelFeed.status, ChannelFeed.items, ChannelFeed.ref)).all()


def _zero(session, world, sku):
    """All of the SKU's stock leaves (damaged): its listings must show 0."""
    bin_ = loc(session, world.wh1, "A01-01-1")
    source = virtual_location(session, world.wh1.id, "adjustment")
    qty = 10
    post_movement(session, warehouse_id=world.wh1.id, kind="adjustment", reason="damaged",
                  lines=[PostingLine(bin_.id, sku.id, -qty), PostingLine(source.id, sku.id, qty)])


def test_changes_go_out_as_one_feed_settled_item_by_item(session, world, sandbox, worker):
    put_stock(session, world.wh1, "A01-02-1", world.skus_a[1], 4)
    channel_id = make_channel(session, sandbox, "walmart", skus=("A-1", "A-2"))

    assert worker.run_once() == 2  # both handed to one feed, nothing single
    feeds = _feeds(session)
    assert len(feeds) == 1 and feeds[0].status == "pending"
    assert sorted((lid, qty) for lid, _v, qty, *_ in feeds[0].items) == sorted(
        (listing_row(session, channel_id, e).id, q) for e, q in (("A-1", 10), ("A-2", 4)))
    assert state(sandbox)["requests"]["walmart"] == 1  # one feed submission, no single-item PUT
    row = listing_row(session, channel_id, "A-1")
    assert row.pushed_qty is None and row.lease_owner.startswith("feed:")  # not pushed until the feed says so

    drain(worker)

    assert remote(sandbox, "walmart", 0) == 10 and remote(sandbox, "walmart", 1) == 4
    for external_id, qty in (("A-1", 10), ("A-2", 4)):
        row = listing_row(session, channel_id, external_id)
        assert (row.pushed_qty, row.pushed_version, row.lease_owner) == (qty, row.version, None)
    assert [f.status for f in _feeds(session)] == ["done"]


def test_an_item_the_feed_refuses_goes_dead_and_the_others_are_pushed(session, world, sandbox, worker):
    put_stock(session, world.wh1, "A01-02-1", world.skus_a[1], 4)
    channel_id = make_channel(session, sandbox, "walmart", skus=("A-1", "A-2"))
    fault(sandbox, "walmart", "invalid", 1)  # the feed's first item is a DATA_ERROR

    drain(worker)

    rows = {e: listing_row(session, channel_id, e) for e in ("A-1", "A-2")}
    dead = [r for r in rows.values() if r.state == "dead"]
    alive = [r for r in rows.values() if r.state == "active"]
    assert len(dead) == 1 and len(alive) == 1
    assert "ERR_EXT_DATA_0101001" in dead[0].last_error and "walmart" in dead[0].last_error
    assert alive[0].pushed_qty == alive[0].desired_qty and alive[0].lease_owner is None


def test_a_feed_refused_as_a_whole_is_retried(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "walmart")
    fault(sandbox, "walmart", "feed_error", 1)

    drain(worker)

    row = listing_row(session, channel_id, "A-1")
    assert row.state == "active" and row.attempts == 1 and "failed as a whole" in row.last_error
    assert remote(sandbox, "walmart") is None
    session.execute(update(Listing).where(Listing.channel_id == channel_id).values(next_attempt_at=None))
    session.commit()
    drain(worker)
    assert remote(sandbox, "walmart") == 10
    assert [f.status for f in _feeds(session)] == ["done", "done"]


def test_a_feed_that_never_finishes_is_given_up_and_sent_again(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "walmart", feed_timeout_s=0.5)
    fault(sandbox, "walmart", "stuck", 1)

    worker.run_once()
    time.sleep(0.6)
    drain(worker)

    assert remote(sandbox, "walmart") == 10
    assert sorted(f.status for f in _feeds(session)) == ["done", "failed"]
    row = listing_row(session, channel_id, "A-1")
    assert row.pushed_qty == 10 and row.lease_owner is None


def test_a_listing_going_to_zero_does_not_wait_for_a_pending_feed(session, world, sandbox, worker):
    httpx.post(f"{sandbox}/_sandbox/config", json={"walmart_feed_s": 1.5})
    channel_id = make_channel(session, sandbox, "walmart")
    assert worker.run_once() == 1  # 10 units in a feed Walmart takes 1.5 s to process
    _zero(session, world, world.skus_a[0])

    assert worker.run_once() == 1  # the zero goes at once, as a single item
    assert remote(sandbox, "walmart") == 0
    # Walmart then applies the older feed over it: the worker sees the feed
    # settle after the zero and sends the zero once more.
    time.sleep(1.6)
    drain(worker)

    assert remote(sandbox, "walmart") == 0
    row = listing_row(session, channel_id, "A-1")
    assert (row.pushed_qty, row.pushed_version, row.lease_owner) == (0, row.version, None)


def test_a_feed_handed_over_by_a_worker_that_died_is_settled_by_another(session, world, sandbox, sessionmaker_,
                                                                        database_url):
    channel_id = make_channel(session, sandbox, "walmart")
    first = SyncWorker(sessionmaker_, database_url, http=httpx.Client())
    assert first.run_once() == 1  # submits the feed, then "dies"
    other = SyncWorker(sessionmaker_, database_url, http=httpx.Client())

    drain(other)

    assert remote(sandbox, "walmart") == 10
    assert listing_row(session, channel_id, "A-1").pushed_qty == 10


def test_feed_settings_are_checked(apis, world):
    r = apis.acme.post("/channels", json={"name": "W", "kind": "walmart", "warehouses": ["WH1"], "settings": {
        "client_id": "c", "client_secret": "s", "feeds_per_hour": 0, "feed_poll_s": "soon"}})
    assert_problem(r, 422, "validation_error", "settings.feeds_per_hour")
    assert_problem(r, 422, "validation_error", "settings.feed_poll_s")
