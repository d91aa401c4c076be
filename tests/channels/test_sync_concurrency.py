"""The worker with committed data and real threads: several workers share
the listings of a channel while stock keeps changing (PostgreSQL, FOR
UPDATE SKIP LOCKED): every listing ends at its desired value, no version is
delivered twice, and no listing ever receives an older version after a
newer one; a burst of a thousand changes to one SKU becomes a handful of
pushes."""
from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.channels.sandbox_helpers import SETTINGS
from tests.conftest import ADMIN
from tests.factories import SkuFactory, bind_factories, make_warehouse, put_stock
from wms.catalog.models import Seller, Sku
from wms.channels.models import Listing
from wms.channels.sandbox import SandboxServer
from wms.channels.services import add_listings, create_channel
from wms.channels.worker import SyncWorker
from wms.db import make_sessionmaker
from wms.extensions import load_extensions
from wms.facility.models import Warehouse

pytestmark = pytest.mark.concurrency


@pytest.fixture
def sandbox():
    server = SandboxServer().start()
    httpx.post(f"{server.url}/_sandbox/webhooks", json={"name": "acme", "secret": "hook-secret"})
    yield server.url
    server.stop()


@pytest.fixture
def setup(committed_db, monkeypatch, sandbox):
    monkeypatch.setenv("WMS_CHANNEL_KEYS", Fernet.generate_key().decode())
    load_extensions()
    url, engine = committed_db
    make = make_sessionmaker(engine)

    def build(n_skus: int, rate_per_s: float = 50):
        with make() as s:
            bind_factories(s)
            wh = make_warehouse(s, "WH1")
            seller = Seller(code="ACME", name="Acme")
            s.add(seller)
            s.commit()
            skus = [SkuFactory(seller=seller, code=f"S-{n:04}") for n in range(n_skus)]
            s.commit()
            for sku in skus:
                put_stock(s, wh, "A01-01-1", sku, 50)
            channel = create_channel(s, ADMIN, {"name": "Hook", "kind": "webhook", "seller": "ACME",
                                                "warehouses": ["WH1"],
                                                "settings": {**SETTINGS["webhook"](sandbox), "rate_per_s": rate_per_s}})
            add_listings(s, ADMIN, channel.id, [{"sku": sku.code, "external_id": sku.code} for sku in skus])
            return channel.id, wh.id, [sku.id for sku in skus]

    return url, make, build


def _workers(make, url, n):
    return [SyncWorker(make, url, lease_s=30, claim_limit=20, http=httpx.Client()) for _ in range(n)]


def _run_until_synced(workers, make, stop_after_s=60):
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), kwargs={"idle_s": 0.05}) for w in workers]
    for t in threads:
        t.start()
    return stop, threads


def _wait_synced(make, deadline_s=60):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with make() as s:
            unsynced = s.scalar(select(Listing.id).where(
                (Listing.pushed_version < Listing.version) | Listing.pushed_qty.is_(None)
                | (Listing.pushed_qty != Listing.desired_qty)).limit(1))
        if unsynced is None:
            return True
        time.sleep(0.1)
    return False


def test_several_workers_share_listings_without_pushing_one_version_twice_or_out_of_order(
        requires_postgres, setup, sandbox):
    url, make, build = setup
    _channel_id, wh_id, sku_ids = build(60)
    workers = _workers(make, url, 4)
    stop, threads = _run_until_synced(workers, make)
    rng = random.Random(7)
    try:
        with make() as s:
            wh = s.get(Warehouse, wh_id)
            for _ in range(300):  # changes while the workers push
                sku = s.get(Sku, rng.choice(sku_ids))
                put_stock(s, wh, "A01-01-1", sku, rng.randint(1, 5))
        assert _wait_synced(make)
    finally:
        stop.set()
        for t in threads:
            t.join(10)

    log = httpx.get(f"{sandbox}/_sandbox/log").json()
    deliveries = [(e["key"], e["version"]) for e in log]
    assert len(deliveries) == len(set(deliveries)), "a listing version was delivered twice"
    arrivals = defaultdict(list)
    for e in log:
        arrivals[e["key"]].append(e["version"])
    assert all(v == sorted(v) for v in arrivals.values()), "an older version arrived after a newer one"
    stock = httpx.get(f"{sandbox}/_sandbox/state").json()["stock"]["webhook"]
    with make() as s:
        desired = dict(s.execute(select(Listing.external_id, Listing.desired_qty)).all())
    assert {k.removeprefix("acme:"): v for k, v in stock.items()} == desired  # zero drift
    assert sum(w.stats["claimed"] for w in workers) >= len(sku_ids)
    assert sum(1 for w in workers if w.stats["pushed"]) >= 2  # the work was shared


def test_a_burst_of_a_thousand_changes_to_one_sku_coalesces_into_a_handful_of_pushes(setup, sandbox):
    url, make, build = setup
    _channel_id, wh_id, sku_ids = build(1, rate_per_s=1)
    workers = _workers(make, url, 1)
    stop, threads = _run_until_synced(workers, make)
    try:
        assert _wait_synced(make)
        before = len(httpx.get(f"{sandbox}/_sandbox/log").json())
        started = time.monotonic()
        with make() as s:
            wh, sku = s.get(Warehouse, wh_id), s.get(Sku, sku_ids[0])
            for _ in range(1000):
                put_stock(s, wh, "A01-01-1", sku, 1)
        elapsed = time.monotonic() - started
        assert _wait_synced(make)
    finally:
        stop.set()
        for t in threads:
            t.join(10)

    pushes = len(httpx.get(f"{sandbox}/_sandbox/log").json()) - before
    # At most one push per claim, and claims at the channel's rate (1/s):
    # the pushes follow the clock, not the number of changes (on a quiet
    # machine the burst takes seconds: a handful of pushes).
    assert 1 <= pushes <= elapsed + 3, (pushes, elapsed)
    assert pushes < 1000 / 3, pushes
    stock = httpx.get(f"{sandbox}/_sandbox/state").json()["stock"]["webhook"]
    assert stock == {"acme:S-0000": 1050}
