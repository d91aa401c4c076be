"""The sync worker against the sandbox marketplace over real HTTP on
loopback: every connector's happy path and reconciliation, then failures:
5xx, 429 and throttling inside a 200, answers lost after the change was
applied, compare-and-set conflicts, authentication failures, refused
listings, partial batch failures."""
from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import update

from tests.channels.conftest import channel_row, listing_row
from tests.channels.sandbox_helpers import LISTING, drain, fault, make_channel, remote, state
from tests.factories import loc, put_stock
from wms.channels.connectors.webhook import sign, verify
from wms.channels.models import Channel, Listing
from wms.channels.reconcile import reconcile_channel
from wms.channels.sandbox import SandboxServer
from wms.channels.worker import SyncWorker
from wms.db import utcnow
from wms.facility.services import virtual_location
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement

KINDS = ("amazon", "ebay", "aliexpress", "wish", "etsy", "shopify", "walmart", "woocommerce", "webhook")


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


def _external(kind, n=0):
    return LISTING[kind][n][0]


@pytest.mark.parametrize("kind", KINDS)
def test_each_connector_pushes_the_desired_quantity_and_follows_stock(kind, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, kind, skus=("A-1", "A-2"))

    drain(worker)

    assert remote(sandbox, kind, 0) == 10 and remote(sandbox, kind, 1) == 0
    row = listing_row(session, channel_id, _external(kind))
    assert (row.pushed_qty, row.pushed_version, row.state, row.last_error) == (10, row.version, "active", None)
    put_stock(session, world.wh1, "A01-02-1", world.skus_a[0], 5)
    drain(worker)
    assert remote(sandbox, kind, 0) == 15
    if kind == "etsy":  # the product that is not ours survived the whole-inventory write
        assert state(sandbox)["stock"]["etsy"]["777:NOT-OURS"] == 4


@pytest.mark.parametrize("kind", KINDS)
def test_reconciliation_reports_drift_and_heals_it(kind, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, kind)
    drain(worker)
    external_id, location = LISTING[kind][0]
    key = {"wish": f"{external_id}@{location}", "shopify": f"{external_id}@{location}",
           "webhook": f"acme:{external_id}"}.get(kind, external_id)
    httpx.post(f"{sandbox}/_sandbox/stock", json={"kind": kind, "key": key, "qty": 3})

    result = reconcile_channel(worker, channel_id)

    assert result == {"checked": 1, "drifted": 1}
    row = listing_row(session, channel_id, external_id)
    assert (row.remote_qty, row.drift) == (3, -7)
    drain(worker)
    assert remote(sandbox, kind) == 10
    assert reconcile_channel(worker, channel_id) == {"checked": 1, "drifted": 0}
    assert channel_row(session, channel_id).last_reconciled_at is not None


def test_transient_5xx_are_retried_with_backoff(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "amazon")
    fault(sandbox, "amazon", "5xx", 2)

    drain(worker)

    assert remote(sandbox, "amazon") == 10
    assert state(sandbox)["requests"]["amazon"] == 3
    assert listing_row(session, channel_id, "A-1").attempts == 0


def test_persistent_5xx_backs_off_and_records_the_error(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "ebay")
    fault(sandbox, "ebay", "5xx", 3)
    before = utcnow()

    drain(worker)

    row = listing_row(session, channel_id, "A-1")
    assert row.attempts == 1 and row.state == "active" and "503" in row.last_error
    # Full jitter: the wait is anywhere from 0 to the cap, so it may have
    # passed already; it was set after the failed push.
    assert row.next_attempt_at is not None and row.next_attempt_at >= before
    assert remote(sandbox, "ebay") is None
    # The backoff passes: the next pass pushes.
    session.execute(update(Listing).where(Listing.channel_id == channel_id).values(next_attempt_at=None))
    session.commit()
    drain(worker)
    assert remote(sandbox, "ebay") == 10
    assert listing_row(session, channel_id, "A-1").attempts == 0


def test_a_429_with_a_long_retry_after_parks_the_whole_channel(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "amazon", skus=("A-1", "A-2"))
    httpx.post(f"{sandbox}/_sandbox/config", json={"amazon_rps": 0.2, "amazon_burst": 1})

    drain(worker)

    # One request got through; the bucket then said wait ~5 s: the channel waits, nothing failed.
    pushed = [remote(sandbox, "amazon", 0), remote(sandbox, "amazon", 1)]
    assert pushed.count(None) == 1
    channel = channel_row(session, channel_id)
    assert channel.throttled_until is not None and channel.throttled_until > utcnow()
    waiting = [listing_row(session, channel_id, e) for e, _ in LISTING["amazon"]]
    assert all(x.attempts == 0 and x.state == "active" for x in waiting)
    assert worker.run_once() == 0  # parked: nothing claimed
    httpx.post(f"{sandbox}/_sandbox/config", json={"amazon_rps": 5, "amazon_burst": 5})
    session.execute(update(Channel).where(Channel.id == channel_id).values(throttled_until=None))
    session.execute(update(Listing).where(Listing.channel_id == channel_id).values(next_attempt_at=None))
    session.commit()
    drain(worker)
    assert [remote(sandbox, "amazon", 0), remote(sandbox, "amazon", 1)] == [10, 0]


def test_shopify_throttling_inside_an_http_200_is_waited_out(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "shopify")
    fault(sandbox, "shopify", "429", 1)  # the shop answers 200 with THROTTLED

    drain(worker)

    assert remote(sandbox, "shopify") == 10
    assert listing_row(session, channel_id, _external("shopify")).attempts == 0


@pytest.mark.parametrize("kind", KINDS)
def test_every_connector_waits_out_a_short_429_within_the_call(kind, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, kind)
    fault(sandbox, kind, "429", 1)  # Retry-After: 1 (Shopify: THROTTLED in a 200; AliExpress: ApiCallLimit)

    drain(worker)

    assert remote(sandbox, kind) == 10
    assert listing_row(session, channel_id, _external(kind)).attempts == 0
    assert state(sandbox)["throttles"][kind] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_push_applied_whose_answer_was_lost_ends_with_the_right_value(kind, session, world, sandbox, worker):
    httpx.post(f"{sandbox}/_sandbox/config", json={"slow_s": 1.5})
    channel_id = make_channel(session, sandbox, kind, timeout_s=0.5)
    fault(sandbox, kind, "timeout_applied", 1)

    drain(worker)

    assert remote(sandbox, kind) == 10
    row = listing_row(session, channel_id, _external(kind))
    assert (row.pushed_qty, row.attempts) == (10, 0)
    if kind == "shopify":  # the retry carried the same idempotency key: applied once
        assert state(sandbox)["writes"]["shopify"] == 1


def test_a_compare_and_set_conflict_rereads_and_sets_the_warehouse_figure(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "shopify")
    drain(worker)
    put_stock(session, world.wh1, "A01-02-1", world.skus_a[0], 2)
    fault(sandbox, "shopify", "cas_stale", 1)  # a sale on the shop lands between our read and write

    drain(worker)

    assert remote(sandbox, "shopify") == 12
    assert listing_row(session, channel_id, _external("shopify")).pushed_qty == 12


@pytest.mark.parametrize("kind,settings", [("amazon", {"refresh_token": "revoked"}),
                                           ("shopify", {"access_token": "bad"}),
                                           ("aliexpress", {"session": "expired"}),
                                           ("ebay", {"refresh_token": "revoked"})])
def test_an_authentication_failure_pauses_the_channel_instead_of_hammering(kind, settings, session, world, sandbox,
                                                                           worker):
    channel_id = make_channel(session, sandbox, kind, **settings)

    drain(worker)
    requests_made = state(sandbox)["requests"].get(kind, 0)
    drain(worker)

    channel = channel_row(session, channel_id)
    assert channel.status == "paused" and channel.status_reason
    row = listing_row(session, channel_id, _external(kind))
    assert row.state == "active" and row.last_error and row.pushed_qty is None
    assert state(sandbox)["requests"].get(kind, 0) == requests_made  # paused: no more calls


def test_the_seller_sees_a_paused_channel_and_resumes_it(apis, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "amazon", refresh_token="revoked")
    drain(worker)
    body = apis.acme.get(f"/channels/{channel_id}").json
    assert body["status"] == "paused" and "refresh token" in body["status_reason"]

    apis.acme.patch(f"/channels/{channel_id}", json={"settings": {"refresh_token": "Atzr|new"}, "status": "active"})
    drain(worker)

    assert remote(sandbox, "amazon") == 10


@pytest.mark.parametrize("kind", KINDS[:-1])
def test_a_refused_listing_goes_dead_with_the_marketplaces_message(kind, apis, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, kind)
    fault(sandbox, kind, "invalid", 1)

    drain(worker)

    row = listing_row(session, channel_id, _external(kind))
    assert row.state == "dead" and row.last_error and kind in row.last_error
    listed = apis.acme.get(f"/channels/{channel_id}/listings").json["items"][0]
    assert listed["status"] == "dead" and listed["last_error"] == row.last_error
    assert worker.run_once() == 0  # dead is not retried by itself

    r = apis.acme.post(f"/channels/{channel_id}/listings/{row.id}/retry")
    assert r.status_code == 200 and r.json["status"] == "pending"
    drain(worker)
    assert remote(sandbox, kind) == 10


def test_a_partial_batch_failure_settles_each_listing_on_its_own(session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, "ebay", skus=("A-1", "A-2"))
    fault(sandbox, "ebay", "invalid", 1)  # the first item of the batch is refused

    drain(worker)

    rows = [listing_row(session, channel_id, e) for e, _ in LISTING["ebay"]]
    assert sorted(r.state for r in rows) == ["active", "dead"]
    alive = next(r for r in rows if r.state == "active")
    assert alive.pushed_qty == alive.desired_qty and alive.last_error is None


def test_webhook_deliveries_are_signed_and_a_bad_signature_is_refused(session, world, sandbox, worker):
    body = b'{"channel":1,"items":[]}'
    assert verify("s", body, sign("s", body)) and not verify("s", body, sign("t", body))
    assert not verify("s", body, None)
    channel_id = make_channel(session, sandbox, "webhook")
    httpx.post(f"{sandbox}/_sandbox/webhooks", json={"name": "acme", "secret": "another"})

    drain(worker)

    # The receiver refuses our signature: the channel pauses until the secrets agree.
    channel = channel_row(session, channel_id)
    assert channel.status == "paused" and "bad signature" in channel.status_reason
    assert remote(sandbox, "webhook") is None


def test_claims_put_decreases_before_increases(session, world, sandbox, worker):
    make_channel(session, sandbox, "webhook", skus=("A-1", "A-2"))
    drain(worker)
    put_stock(session, world.wh1, "A01-02-1", world.skus_a[1], 6)     # A-2 goes up, A-1 down:
    target = loc(session, world.wh1, "A01-01-1")
    source = virtual_location(session, world.wh1.id, "adjustment")
    post_movement(session, warehouse_id=world.wh1.id, kind="adjustment", reason="damaged",
                  lines=[PostingLine(target.id, world.skus_a[0].id, -4), PostingLine(source.id, world.skus_a[0].id, 4)])

    claims = worker.claim(worker.sessions())

    assert [(i.sku, i.qty) for c in claims for i in c.items] == [("A-1", 6), ("A-2", 6)]


def test_a_listing_leased_by_a_worker_that_died_is_pushed_by_another(session, world, sandbox, sessionmaker_,
                                                                     database_url):
    channel_id = make_channel(session, sandbox, "webhook")
    dead = SyncWorker(sessionmaker_, database_url, lease_s=5, http=httpx.Client())
    claims = dead.claim(dead.sessions())  # claims, then "dies" before pushing
    assert [i.qty for c in claims for i in c.items] == [10]
    other = SyncWorker(sessionmaker_, database_url, http=httpx.Client())
    assert other.run_once() == 0  # leased: not yet

    time.sleep(5.2)
    drain(other)

    assert remote(sandbox, "webhook") == 10
    assert listing_row(session, channel_id, "EXT-A1").pushes == 1


@pytest.mark.parametrize("kind", KINDS)
def test_every_connector_retries_a_transient_5xx_within_the_call(kind, session, world, sandbox, worker):
    channel_id = make_channel(session, sandbox, kind)
    fault(sandbox, kind, "5xx", 1)

    drain(worker)

    assert remote(sandbox, kind) == 10
    row = listing_row(session, channel_id, _external(kind))
    assert (row.attempts, row.last_error, row.pushes) == (0, None, 1)


def test_a_channel_without_a_connector_is_paused_saying_so(apis, session, world, sandbox, worker, monkeypatch):
    from wms.channels import connectors

    monkeypatch.delitem(connectors.CONNECTORS, "woocommerce")
    r = apis.acme.post("/channels", json={"name": "Woo", "kind": "woocommerce", "warehouses": ["WH1"], "settings": {
        "url": "http://127.0.0.1:9/", "consumer_key": "ck", "consumer_secret": "cs"}})
    channel_id = r.json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "1"}]})

    drain(worker)

    body = apis.acme.get(f"/channels/{channel_id}").json
    assert body["status"] == "paused" and "no connector for woocommerce" in body["status_reason"]
