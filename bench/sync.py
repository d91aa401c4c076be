"""Marketplace stock sync, end to end, on PostgreSQL with the sandbox
marketplace on loopback.

    .venv/bin/python -m bench.sync [--listings 10000] [--changes 1200] [--rate 20] [--workers 1 4]
                                   [--kinds amazon ebay ...] [--ledger-seconds 6]

Seeds once (WMS_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@
127.0.0.1:5432/wms_bench_sync, recreated): one warehouse, one seller,
--listings SKUs with stock, and one channel per connector kind (all nine by
default: Amazon, eBay, AliExpress, Wish, Etsy, Shopify, Walmart,
WooCommerce and the signed webhook), every one pointed at the sandbox
marketplace served in this process, with the connectors' own request budgets
and the sandbox's own limits (Amazon's 5 rps bucket, Shopify's cost bucket,
Etsy's 10 rps, Walmart's feed budget ...). The listings are spread evenly over
the channels (two products per Etsy listing, four SKUs per AliExpress
product, so those connectors' read-modify-write and grouping are exercised).
The marketplace starts in step with the warehouse (the sandbox is given each
listing's quantity and the listings are marked pushed), so the runs measure
changes, not a first full upload.

Then, for each worker count: starts the sync workers as processes and posts
--changes stock changes through the ledger from two processes (each its own
half of the SKUs), paced at --rate changes/s in total. The changes are a mix:
receipts into a bin (+1..3), orders (a reservation of one unit, then its pick,
which changes nothing sellable), and adjustments (one unit found or damaged).
It reports, overall and per connector:

- commit-to-confirmed-push latency (p50, p95, p99): from just after the
  change committed to the moment a worker had the marketplace's OK for that
  listing at that version or a later one (a later change coalesced into the
  same push counts against the earlier one). For Walmart's bulk feed the OK is
  the feed's per-item status, read by polling;
- pushes per change: listing pushes confirmed during the run over changes;
- final drift: listings whose quantity on the sandbox differs from the
  desired one once the workers are idle (must be 0);
- rate-limit behaviour: write requests, 429 / THROTTLED answers from the
  sandbox, and the channel parks they caused.

Last, the ledger's own cost of the sync: postings/s with 1 and 4 writer
processes on SKUs listed on a channel and on SKUs listed nowhere, in
alternating rounds of --ledger-seconds within the same run (workers stopped),
and the ratio. Every ledger write on a listed SKU bumps the listing's version
from its channel's counter row, which it holds locked until commit.

It prints a table and saves bench/results/sync-<UTC timestamp>.json and
sync-latest.json with the machine's load average beside the figures. Exit 0
when it ran, 1 on drift, 2 without PostgreSQL.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet

from bench.ledger import Unavailable, prepare_server, reset_database

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wms_bench_sync"
KINDS = ("amazon", "ebay", "aliexpress", "wish", "etsy", "shopify", "walmart", "woocommerce", "webhook")
HOOK = ("bench", "bench-secret")
WALMART_FEED_S = 1.0


def channel_settings(kind: str, url: str) -> dict:
    """Settings of a channel of this kind pointed at the sandbox (the
    connectors' default request budgets are kept)."""
    common = {"base_url": url, "timeout_s": 5}
    return {
        "amazon": {**common, "auth_url": url, "seller_id": "A1BENCH", "marketplace_id": "ATVPDKIKX0DER",
                   "client_id": "amzn1.app", "client_secret": "secret", "refresh_token": "Atzr|bench"},
        "ebay": {**common, "client_id": "app", "client_secret": "secret", "refresh_token": "v^1.1#bench"},
        "aliexpress": {**common, "app_key": "500001", "app_secret": "sandbox-app-secret", "session": "bench"},
        "wish": {**common, "access_token": "wish-token"},
        "etsy": {**common, "api_key": "keystring", "access_token": "12345.token"},
        "shopify": {**common, "shop": "bench.myshopify.com", "access_token": "shpat_bench"},
        # Walmart's feed budget and processing time compressed from 10 an hour and ~30 min
        # (WALMART_FEED_S below) to one a second and a second, so a run of a minute or two shows them.
        "walmart": {**common, "client_id": "walmart-client", "client_secret": "secret",
                    "feeds_per_hour": 3600, "feed_poll_s": 0.5},
        "woocommerce": {"url": url, "timeout_s": 5, "consumer_key": "ck_x", "consumer_secret": "cs_x"},
        "webhook": {"url": f"{url}/webhook/{HOOK[0]}", "secret": HOOK[1], "timeout_s": 5},
    }[kind]


def external(kind: str, code: str, j: int) -> tuple[str, str]:
    """(external id, location) of the j-th listing of a channel of this kind."""
    if kind == "aliexpress":
        return f"{1005000000 + j // 4}:{code}", ""
    if kind == "wish":
        return f"P{j}:V{j}", "WHS-1"
    if kind == "etsy":
        return f"{900000 + j // 2}:{code}", ""
    if kind == "shopify":
        return f"gid://shopify/InventoryItem/{50000000 + j}", "gid://shopify/Location/1"
    if kind == "woocommerce":
        return str(20000 + j), ""
    return code, ""


def remote_key(kind: str, external_id: str, location: str) -> str:
    """The sandbox's key of a listing's remote quantity."""
    if kind in ("wish", "shopify"):
        return f"{external_id}@{location}"
    if kind == "webhook":
        return f"{HOOK[0]}:{external_id}"
    return external_id


def seed(url: str, listings: int, unlisted: int, kinds: tuple[str, ...], sandbox_url: str) -> None:
    from wms.auth.principal import Principal
    from wms.catalog.models import Sku
    from wms.catalog.services import create_seller, get_seller_by_code
    from wms.channels.services import add_listings, create_channel
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions
    from wms.facility.rules import LayoutParams
    from wms.facility.services import create_layout, create_warehouse, get_location, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    load_extensions()
    admin = Principal.system("bench")
    rng = random.Random(7)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            wh = create_warehouse(s, admin, code="SYN", name="Sync bench", country="US", timezone="UTC")
            create_layout(s, admin, "SYN", LayoutParams(1, 2, 5, 2))
            create_seller(s, admin, code="SYN", name="Sync bench seller")
            channels = {kind: create_channel(s, admin, {"name": kind, "kind": kind, "seller": "SYN",
                                                        "warehouses": ["SYN"],
                                                        "settings": channel_settings(kind, sandbox_url)}).id
                        for kind in kinds}
            bin_ = get_location(s, wh.id, "A01-01-1")
            source = virtual_location(s, wh.id, "adjustment")
            seller_id = get_seller_by_code(s, admin, "SYN").id
            codes = [f"SY-{i:05d}" for i in range(listings)] + [f"UL-{i:05d}" for i in range(unlisted)]
            for start in range(0, len(codes), 500):
                # The catalog rows in bulk (create_sku commits one by one: ~10/s on a loaded
                # machine); the stock still goes through the ledger's post_movement.
                chunk = [Sku(seller_id=seller_id, code=c, name=c) for c in codes[start:start + 500]]
                s.add_all(chunk)
                s.commit()
                lines = []
                for sku in chunk:
                    qty = rng.randint(20, 200)
                    lines += [PostingLine(bin_.id, sku.id, qty), PostingLine(source.id, sku.id, -qty)]
                post_movement(s, warehouse_id=wh.id, kind="adjustment", reason="found", lines=lines)
            per_kind: dict[str, list[dict]] = defaultdict(list)
            for i in range(listings):
                kind = kinds[i % len(kinds)]
                external_id, location = external(kind, codes[i], i // len(kinds))
                per_kind[kind].append({"sku": codes[i], "external_id": external_id, "location_id": location or None})
            for kind, rows in per_kind.items():
                for start in range(0, len(rows), 1000):
                    add_listings(s, admin, channels[kind], rows[start:start + 1000])
    finally:
        engine.dispose()


def presync(url: str, server) -> None:
    """The marketplace starts in step: the sandbox holds every listing's
    desired quantity (Etsy's as inventory documents) and the listings are
    marked pushed at their current version."""
    import httpx
    from sqlalchemy import create_engine, select, update
    from sqlalchemy.orm import Session

    from wms.channels.models import Channel, Listing

    engine = create_engine(url)
    sbx = server.sandbox
    sbx.webhook_secrets[HOOK[0]] = HOOK[1]
    with sbx.lock:
        sbx.config.update({"walmart_feed_s": WALMART_FEED_S, "walmart_feeds_per_hour": 3600.0})
        sbx.buckets.clear()
    etsy: dict[str, list[dict]] = defaultdict(list)
    with Session(engine) as s:
        rows = s.execute(select(Channel.kind, Listing.external_id, Listing.location_ref, Listing.desired_qty,
                                Listing.version).join(Channel, Channel.id == Listing.channel_id)).all()
        with sbx.lock:
            for kind, external_id, location, qty, version in rows:
                key = remote_key(kind, external_id, location)
                if kind == "etsy":
                    listing_id, _, sku = external_id.partition(":")
                    etsy[listing_id].append({"sku": sku, "quantity": qty, "size": f"S{len(etsy[listing_id])}"})
                sbx.stock[kind][key] = qty
                if kind == "webhook":
                    sbx.versions[key] = version
        s.execute(update(Listing).values(pushed_version=Listing.version, pushed_qty=Listing.desired_qty))
        s.commit()
    engine.dispose()
    with httpx.Client() as client:
        for listing_id, products in etsy.items():
            client.post(f"{server.url}/_sandbox/etsy/listings", json={"listing_id": int(listing_id),
                                                                       "products": products})


def _worker_process(url: str, keys: str, idle_s: float, ready, stop, out) -> None:
    os.environ["WMS_CHANNEL_KEYS"] = keys
    import threading

    import httpx as _httpx

    from wms.channels.worker import SyncWorker
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions

    class TimedWorker(SyncWorker):
        """Notes when the marketplace confirmed each listing's push."""

        confirmed: list

        def record(self, session, batch, outcomes, **kwargs):
            at = time.time()
            ok = {o.listing_id for o in outcomes if o.ok}
            self.confirmed.extend((i.listing_id, i.version, at) for i in batch if i.listing_id in ok)
            return super().record(session, batch, outcomes, **kwargs)

    load_extensions()
    engine = make_engine(url)
    worker = TimedWorker(make_sessionmaker(engine), url, claim_limit=200, http=_httpx.Client())
    worker.confirmed = []
    worker.run_once()  # connected and warm (nothing is due yet)
    ready.wait()
    event = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), event.set()), daemon=True).start()
    worker.run(event, idle_s=idle_s)
    engine.dispose()
    out.put({"confirmed": worker.confirmed, "stats": dict(worker.stats)})


def _burst_process(url: str, keys: str, index: int, parts: int, count: int, rate: float, focus: str | None,
                   ready, out) -> None:
    """Stock changes through the ledger on this process's share of the listed
    SKUs: receipts, orders (reserve then pick) and adjustments."""
    os.environ["WMS_CHANNEL_KEYS"] = keys
    from sqlalchemy import select

    from wms.channels.models import Listing
    from wms.db import make_engine, make_sessionmaker
    from wms.errors import InsufficientStock
    from wms.extensions import load_extensions
    from wms.facility.models import Warehouse
    from wms.facility.services import get_location, station, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement, reserve_stock

    load_extensions()
    rng = random.Random(index)
    engine = make_engine(url)
    records = []
    with make_sessionmaker(engine)() as s:
        wh_id = s.scalar(select(Warehouse.id).where(Warehouse.code == "SYN"))
        bin_id = get_location(s, wh_id, "A01-01-1").id
        adjust_id = virtual_location(s, wh_id, "adjustment").id
        inbound_id = virtual_location(s, wh_id, "inbound").id
        pack_id = station(s, wh_id, "pack").id
        query = select(Listing.sku_id, Listing.id).order_by(Listing.sku_id)
        if focus:  # only the SKUs listed on the channel of that kind
            from wms.channels.models import Channel

            query = query.join(Channel, Channel.id == Listing.channel_id).where(Channel.kind == focus)
        listed = s.execute(query).all()
        mine = [row for n, row in enumerate(listed) if n % parts == index]
        s.commit()
        ready.wait()
        started = time.monotonic()
        for n in range(count):
            due = started + n / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            sku_id, listing_id = rng.choice(mine)
            roll = rng.random()
            try:
                if roll < 0.4:
                    qty = rng.randint(1, 3)
                    post_movement(s, warehouse_id=wh_id, kind="receipt", reference=f"ASN-{index}-{n}",
                                  lines=[PostingLine(bin_id, sku_id, qty), PostingLine(inbound_id, sku_id, -qty)])
                    op = "receipt"
                elif roll < 0.8:
                    reservation = reserve_stock(s, warehouse_id=wh_id, sku_id=sku_id, qty=1,
                                                reference=f"SO-{index}-{n}")
                    op = "order"
                else:
                    qty = rng.choice((1, -1))
                    post_movement(s, warehouse_id=wh_id, kind="adjustment", reason="found" if qty > 0 else "damaged",
                                  lines=[PostingLine(bin_id, sku_id, qty), PostingLine(adjust_id, sku_id, -qty)])
                    op = "adjustment"
            except InsufficientStock:
                s.rollback()
                continue
            committed = time.time()
            version = s.scalar(select(Listing.version).where(Listing.id == listing_id))
            s.commit()
            records.append((listing_id, version, committed, op))
            if op == "order":  # the pick: sellable and reserved both fall, nothing to push
                post_movement(s, warehouse_id=wh_id, kind="pick", reference=f"SO-{index}-{n}",
                              lines=[PostingLine(bin_id, sku_id, -1), PostingLine(pack_id, sku_id, 1)],
                              consume=[(reservation.id, 1)])
    engine.dispose()
    out.put(records)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)


def _wait_idle(url: str, timeout_s: float = 300) -> bool:
    from sqlalchemy import create_engine, or_, select
    from sqlalchemy.orm import Session

    from wms.channels.models import Listing

    engine = create_engine(url)
    end = time.monotonic() + timeout_s
    try:
        while time.monotonic() < end:
            with Session(engine) as s:
                left = s.scalar(select(Listing.id).where(Listing.state == "active", or_(
                    Listing.pushed_version < Listing.version, Listing.pushed_qty.is_(None),
                    Listing.pushed_qty != Listing.desired_qty)).limit(1))
            if left is None:
                return True
            time.sleep(0.2)
        return False
    finally:
        engine.dispose()


def _listings(url: str) -> list:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from wms.channels.models import Channel, Listing

    engine = create_engine(url)
    with Session(engine) as s:
        rows = s.execute(select(Listing.id, Channel.kind, Listing.external_id, Listing.location_ref,
                                Listing.desired_qty, Listing.state, Channel.status.label("channel_status"))
                         .join(Channel, Channel.id == Listing.channel_id)).all()
    engine.dispose()
    return rows


def run_case(url: str, server, workers: int, args, keys: str) -> dict:
    sbx = server.sandbox
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    results_q = ctx.Queue()
    parts = 2  # burst processes
    ready = ctx.Barrier(workers + parts + 1)
    procs = [ctx.Process(target=_worker_process, args=(url, keys, args.idle, ready, stop, results_q))
             for _ in range(workers)]
    with sbx.lock:
        requests_before = dict(sbx.requests)
        throttles_before = dict(sbx.throttles)
    load_before = os.getloadavg()[0]
    for p in procs:
        p.start()
    try:
        out = ctx.Queue()
        bursts = [ctx.Process(target=_burst_process,
                              args=(url, keys, i, parts, args.changes // parts, args.rate / parts, args.focus,
                                    ready, out))
                  for i in range(parts)]
        for b in bursts:
            b.start()
        ready.wait()  # the workers and the burst processes are up
        started = time.time()
        records = [r for _ in bursts for r in out.get()]
        for b in bursts:
            b.join()
        burst_s = time.time() - started
        idle = _wait_idle(url, args.idle_timeout)
        settled_s = time.time() - started
    finally:
        stop.set()
        reports = [results_q.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(20)
    load_after = os.getloadavg()[0]
    with sbx.lock:
        stock = {k: dict(v) for k, v in sbx.stock.items()}
        requests = {k: sbx.requests.get(k, 0) - requests_before.get(k, 0) for k in KINDS}
        throttles = {k: sbx.throttles.get(k, 0) - throttles_before.get(k, 0) for k in KINDS}
    confirmed: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for report in reports:
        for listing_id, version, at in report["confirmed"]:
            confirmed[listing_id].append((version, at))
    stats: dict[str, int] = defaultdict(int)
    for report in reports:
        for key, value in report["stats"].items():
            stats[key] += value
    rows = _listings(url)
    kind_of = {r.id: r.kind for r in rows}
    latencies: dict[str, list[float]] = defaultdict(list)
    changes: dict[str, int] = defaultdict(int)
    unconfirmed = 0
    for listing_id, version, committed, _op in records:
        kind = kind_of[listing_id]
        changes[kind] += 1
        times = [at for v, at in confirmed.get(listing_id, []) if v >= version]
        if times:
            latencies[kind].append(max(0.0, min(times) - committed))
        else:
            unconfirmed += 1
    pushes: dict[str, int] = defaultdict(int)
    for listing_id, items in confirmed.items():
        pushes[kind_of[listing_id]] += len(items)
    drift: dict[str, int] = defaultdict(int)
    for r in rows:
        if stock[r.kind].get(remote_key(r.kind, r.external_id, r.location_ref)) != r.desired_qty:
            drift[r.kind] += 1
    dead = sum(1 for r in rows if r.state != "active")
    paused = sorted({r.kind for r in rows if r.channel_status != "active"})
    every = [x for values in latencies.values() for x in values]
    per_kind = {
        kind: {"changes": changes[kind], "p50_s": _percentile(latencies[kind], 0.5),
               "p95_s": _percentile(latencies[kind], 0.95), "p99_s": _percentile(latencies[kind], 0.99),
               "pushes": pushes[kind], "pushes_per_change": round(pushes[kind] / max(1, changes[kind]), 3),
               "write_requests": requests[kind], "throttled_429": throttles[kind], "drift": drift[kind]}
        for kind in args.kinds
    }
    return {
        "workers": workers, "listings": args.listings, "channels": len(args.kinds), "changes": len(records),
        "rate": args.rate, "burst_s": round(burst_s, 2), "settled_s": round(settled_s, 2), "idle_after": idle,
        "loadavg_before": round(load_before, 2), "loadavg_after": round(load_after, 2),
        "latency_p50_s": _percentile(every, 0.50), "latency_p95_s": _percentile(every, 0.95),
        "latency_p99_s": _percentile(every, 0.99),
        "latency_mean_s": round(statistics.fmean(every), 3) if every else None,
        "unconfirmed_changes": unconfirmed,
        "pushes": sum(pushes.values()),
        "pushes_per_change": round(sum(pushes.values()) / max(1, len(records)), 3),
        "listing_pushes_per_s": round(sum(pushes.values()) / max(0.001, settled_s), 1),
        "write_requests": sum(requests.values()), "throttled_429": sum(throttles.values()),
        "channel_parks": stats.get("throttled", 0), "failed_pushes": stats.get("failed", 0),
        "dead_listings": dead, "paused_channels": paused,
        "final_drift": sum(drift.values()), "per_kind": per_kind,
    }


def _ledger_process(url: str, keys: str, kind: str | None, seconds: float, seed_: int, barrier, out) -> None:
    """Adjustments of one unit, as fast as they go, on the SKUs of the
    channel of this kind (kind None: on the SKUs listed nowhere)."""
    os.environ["WMS_CHANNEL_KEYS"] = keys
    from sqlalchemy import select

    from wms.catalog.models import Sku
    from wms.channels.models import Channel, Listing
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions
    from wms.facility.models import Warehouse
    from wms.facility.services import get_location, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    load_extensions()
    rng = random.Random(seed_)
    engine = make_engine(url)
    done = 0
    with make_sessionmaker(engine)() as s:
        wh_id = s.scalar(select(Warehouse.id).where(Warehouse.code == "SYN"))
        bin_id = get_location(s, wh_id, "A01-01-1").id
        adjust_id = virtual_location(s, wh_id, "adjustment").id
        if kind is None:
            skus = list(s.scalars(select(Sku.id).where(Sku.code.like("UL-%"))))
        else:
            skus = list(s.scalars(select(Listing.sku_id).join(Channel, Channel.id == Listing.channel_id)
                                  .where(Channel.kind == kind)))
        s.commit()
        barrier.wait()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sku_id = rng.choice(skus)
            post_movement(s, warehouse_id=wh_id, kind="adjustment", reason="found",
                          lines=[PostingLine(bin_id, sku_id, 1), PostingLine(adjust_id, sku_id, -1)])
            done += 1
    engine.dispose()
    out.put(done)


def ledger_ratio(url: str, keys: str, kind: str, seconds: float) -> dict:
    """Postings/s on the SKUs listed on one channel (the worst case: every
    writer takes the same channel's counter row) against SKUs listed nowhere,
    with 1 and 4 writer processes, rounds alternating listed, unlisted,
    unlisted, listed so that a drift in the machine's load falls on both."""
    ctx = mp.get_context("spawn")
    result: dict = {"channel_kind": kind, "seconds_per_round": seconds}
    for writers in (1, 4):
        totals = {"listed": 0, "unlisted": 0}
        loads = []
        for n, pool in enumerate(("listed", "unlisted", "unlisted", "listed")):
            out = ctx.Queue()
            barrier = ctx.Barrier(writers)
            procs = [ctx.Process(target=_ledger_process,
                                 args=(url, keys, kind if pool == "listed" else None, seconds,
                                       1000 * writers + 10 * n + i, barrier, out))
                     for i in range(writers)]
            for p in procs:
                p.start()
            totals[pool] += sum(out.get() for _ in procs)
            for p in procs:
                p.join()
            loads.append(round(os.getloadavg()[0], 2))
        listed = 2 * totals["listed"] / (2 * seconds)
        unlisted = 2 * totals["unlisted"] / (2 * seconds)
        result[f"writers_{writers}"] = {"postings_per_s_listed": round(listed, 1),
                                        "postings_per_s_unlisted": round(unlisted, 1),
                                        "ratio_listed_to_unlisted": round(listed / unlisted, 3) if unlisted else None,
                                        "loadavg": loads}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10000)
    parser.add_argument("--unlisted", type=int, default=1000, help="SKUs on no channel (the ledger comparison)")
    parser.add_argument("--changes", type=int, default=1200)
    parser.add_argument("--rate", type=float, default=20.0, help="stock changes per second, in total")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--ledger-seconds", type=float, default=6.0, help="0 skips the ledger comparison")
    parser.add_argument("--idle-timeout", type=float, default=180.0)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the seeded database of an earlier run (the sandbox is brought in step again)")
    parser.add_argument("--focus", choices=KINDS, help="changes only on the SKUs of the channel of this kind")
    parser.add_argument("--sandbox-config", type=json.loads, default={},
                        help='sandbox limits for this run, e.g. \'{"amazon_rps": 1, "amazon_burst": 1}\'')
    parser.add_argument("--label", default="", help="suffix of the results file (sync-<label>-latest.json)")
    parser.add_argument("--idle", type=float, default=0.2,
                        help="a worker's sleep when nothing was due (`wms sync run`'s default)")
    args = parser.parse_args(argv)
    args.kinds = tuple(args.kinds)
    url = os.environ.get("WMS_BENCH_POSTGRES_URL", DEFAULT_URL)
    try:
        prepare_server(url, [url.rsplit("/", 1)[1]])
    except Unavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    import logging

    from wms.channels.sandbox import SandboxServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    keys = Fernet.generate_key().decode()
    os.environ["WMS_CHANNEL_KEYS"] = keys
    load_start = os.getloadavg()
    server = SandboxServer().start()
    started = time.monotonic()
    if args.reuse:
        from sqlalchemy import create_engine, text

        from wms.channels.kinds import split_settings
        from wms.channels.secrets import seal

        engine = create_engine(url)
        with engine.begin() as conn:  # the channels point at this run's sandbox, sealed under this run's key
            conn.execute(text("UPDATE channels SET settings = REPLACE(CAST(settings AS TEXT), :old, :new)::json, "
                              "throttled_until = NULL, status = 'active', status_reason = NULL"),
                         {"old": conn.scalar(text("SELECT settings->>'base_url' FROM channels WHERE kind = 'amazon'")),
                          "new": server.url})
            for kind in args.kinds:
                secret = split_settings(kind, channel_settings(kind, server.url))[1]
                conn.execute(text("UPDATE channels SET credentials = :c WHERE kind = :k"),
                             {"c": seal(secret), "k": kind})
            conn.execute(text("UPDATE listings SET lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL"))
        engine.dispose()
    else:
        reset_database(url)
        seed(url, args.listings, args.unlisted, args.kinds, server.url)
    presync(url, server)
    with server.sandbox.lock:
        server.sandbox.config.update(args.sandbox_config)
        server.sandbox.buckets.clear()
    seed_s = round(time.monotonic() - started, 1)
    print(f"{'reused' if args.reuse else 'seeded'} {args.listings} listings over {len(args.kinds)} channels, "
          f"in step with the sandbox, in {seed_s} s", flush=True)
    results = []
    try:
        for workers in args.workers:
            result = run_case(url, server, workers, args, keys)
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        server.stop()
    ledger = ledger_ratio(url, keys, args.kinds[0], args.ledger_seconds) if args.ledger_seconds > 0 else None
    print(f"{'workers':>7} {'changes':>7} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'push/chg':>8} {'429s':>5} "
          f"{'drift':>5} {'load':>5}")
    for r in results:
        print(f"{r['workers']:>7} {r['changes']:>7} {r['latency_p50_s']!s:>7} {r['latency_p95_s']!s:>7} "
              f"{r['latency_p99_s']!s:>7} {r['pushes_per_change']:>8} {r['throttled_429']:>5} "
              f"{r['final_drift']:>5} {r['loadavg_after']:>5}")
        for kind, k in r["per_kind"].items():
            print(f"  {kind:>11} {k['changes']:>6} {k['p50_s']!s:>7} {k['p95_s']!s:>7} {k['p99_s']!s:>7} "
                  f"{k['pushes_per_change']:>8} {k['throttled_429']:>5} {k['drift']:>5}  "
                  f"requests {k['write_requests']}")
    if ledger:
        print(json.dumps(ledger))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    document = {"at": stamp, "loadavg_start": load_start, "loadavg_end": os.getloadavg(), "cpus": os.cpu_count(),
                "seed_s": seed_s, "focus": args.focus, "sandbox_config": args.sandbox_config,
                "results": results, "ledger": ledger}
    label = f"-{args.label}" if args.label else ""
    for name in (f"sync{label}-{stamp}.json", f"sync{label}-latest.json"):
        (RESULTS / name).write_text(json.dumps(document, indent=2) + "\n")
    return 1 if any(r["final_drift"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
