"""Marketplace stock sync, end to end, on PostgreSQL with the sandbox
marketplace on loopback.

    .venv/bin/python -m bench.sync [--listings 2000] [--changes 1000] [--rate 100] [--workers 1 4]

For each worker count: recreates the bench database
(WMS_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/
wms_bench_sync), seeds one warehouse, one seller, --listings SKUs with stock
and one signed-webhook channel listing them all (the webhook carries each
listing's version, so the sandbox can tell which change a delivery
confirms), starts the sandbox in this process and the sync workers as
processes, lets them push the initial state, then posts --changes stock
changes through the ledger (adjustments of one unit in or out, on random
SKUs, from two processes, paced at --rate changes/s in total). It reports:

- commit-to-confirmed-push latency per change (p50, p95, p99): from just
  after the change committed to the sandbox's receipt of a delivery of that
  listing at a version at least the one read right after the commit (so a
  later change coalesced into the same push counts against the earlier);
- pushes per change: listing deliveries during the burst over changes;
- final drift: listings whose remote quantity differs from the desired one
  once the workers are idle (must be 0);
- deliveries per second while the burst lasted.

It prints a table and saves bench/results/sync-<UTC timestamp>.json and
sync-latest.json. Exit 0 when it ran, 1 on drift, 2 without PostgreSQL.
The channel's own request budget (rate_per_s) is set high (200/s) so that
the figures show the sync, not a marketplace's limit.
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
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet

from bench.ledger import Unavailable, prepare_server, reset_database

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wms_bench_sync"


def seed(url: str, listings: int, sandbox_url: str) -> None:
    from wms.auth.principal import Principal
    from wms.catalog.services import create_seller, create_sku
    from wms.channels.services import add_listings, create_channel
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions
    from wms.facility.rules import LayoutParams
    from wms.facility.services import create_layout, create_warehouse, get_location, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    load_extensions()
    admin = Principal.system("bench")
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            wh = create_warehouse(s, admin, code="SYN", name="Sync bench", country="US", timezone="UTC")
            create_layout(s, admin, "SYN", LayoutParams(1, 2, 5, 2))
            create_seller(s, admin, code="SYN", name="Sync bench seller")
            channel = create_channel(s, admin, {"name": "Hook", "kind": "webhook", "seller": "SYN",
                                                "warehouses": ["SYN"],
                                                "settings": {"url": f"{sandbox_url}/webhook/bench",
                                                             "secret": "bench-secret", "rate_per_s": 200}})
            bin_ = get_location(s, wh.id, "A01-01-1")
            source = virtual_location(s, wh.id, "adjustment")
            for start in range(0, listings, 1000):
                chunk = []
                for i in range(start, min(listings, start + 1000)):
                    sku = create_sku(s, admin, {"seller": "SYN", "code": f"SY-{i:05d}", "name": f"Item {i}"})
                    chunk.append(sku)
                    post_movement(s, warehouse_id=wh.id, kind="adjustment", reason="found",
                                  lines=[PostingLine(bin_.id, sku.id, 100), PostingLine(source.id, sku.id, -100)])
                add_listings(s, admin, channel.id, [{"sku": k.code, "external_id": k.code} for k in chunk])
    finally:
        engine.dispose()


def _worker_process(url: str, keys: str, stop) -> None:
    os.environ["WMS_CHANNEL_KEYS"] = keys
    import threading

    import httpx as _httpx

    from wms.channels.worker import SyncWorker
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions

    load_extensions()
    engine = make_engine(url)
    worker = SyncWorker(make_sessionmaker(engine), url, claim_limit=200, http=_httpx.Client())
    event = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), event.set()), daemon=True).start()
    worker.run(event, idle_s=0.02)
    engine.dispose()


def _burst_process(url: str, keys: str, index: int, count: int, rate: float, out) -> None:
    os.environ["WMS_CHANNEL_KEYS"] = keys
    from sqlalchemy import select

    from wms.catalog.models import Sku
    from wms.channels.models import Listing
    from wms.db import make_engine, make_sessionmaker
    from wms.extensions import load_extensions
    from wms.facility.models import Warehouse
    from wms.facility.services import get_location, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    load_extensions()
    rng = random.Random(index)
    engine = make_engine(url)
    records = []
    with make_sessionmaker(engine)() as s:
        wh_id = s.scalar(select(Warehouse.id).where(Warehouse.code == "SYN"))
        bin_id = get_location(s, wh_id, "A01-01-1").id
        source_id = virtual_location(s, wh_id, "adjustment").id
        skus = s.execute(select(Sku.id, Sku.code)).all()
        s.commit()
        started = time.monotonic()
        for n in range(count):
            due = started + n / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            sku_id, code = rng.choice(skus)
            qty = rng.choice((1, -1))
            post_movement(s, warehouse_id=wh_id, kind="adjustment", reason="found" if qty > 0 else "damaged",
                          lines=[PostingLine(bin_id, sku_id, qty), PostingLine(source_id, sku_id, -qty)])
            committed = time.time()
            version = s.scalar(select(Listing.version).where(Listing.sku_id == sku_id))
            s.commit()
            records.append((code, version, committed))
    engine.dispose()
    out.put(records)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _wait_idle(url: str, timeout_s: float = 300) -> bool:
    from sqlalchemy import create_engine, or_, select
    from sqlalchemy.orm import Session

    from wms.channels.models import Listing

    engine = create_engine(url)
    end = time.monotonic() + timeout_s
    try:
        while time.monotonic() < end:
            with Session(engine) as s:
                left = s.scalar(select(Listing.id).where(or_(
                    Listing.pushed_version < Listing.version, Listing.pushed_qty.is_(None),
                    Listing.pushed_qty != Listing.desired_qty)).limit(1))
            if left is None:
                return True
            time.sleep(0.2)
        return False
    finally:
        engine.dispose()


def run_case(url: str, workers: int, args, keys: str) -> dict:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from wms.channels.models import Listing
    from wms.channels.sandbox import SandboxServer

    os.environ["WMS_CHANNEL_KEYS"] = keys
    reset_database(url)
    server = SandboxServer().start()
    server.sandbox.webhook_secrets["bench"] = "bench-secret"
    seed(url, args.listings, server.url)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_worker_process, args=(url, keys, stop)) for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        if not _wait_idle(url):
            raise RuntimeError("the initial state was not pushed in time")
        before = len(server.sandbox.log)
        out = ctx.Queue()
        bursts = [ctx.Process(target=_burst_process, args=(url, keys, i, args.changes // 2, args.rate / 2, out))
                  for i in range(2)]
        started = time.time()
        for b in bursts:
            b.start()
        records = [r for _ in bursts for r in out.get()]
        for b in bursts:
            b.join()
        burst_s = time.time() - started
        idle = _wait_idle(url)
    finally:
        stop.set()
        for p in procs:
            p.join(20)
    log = server.sandbox.log[before:]
    state = dict(server.sandbox.stock["webhook"])
    server.stop()
    arrivals: dict[str, list[tuple[int, float]]] = {}
    for entry in log:
        arrivals.setdefault(entry["key"].removeprefix("bench:"), []).append((entry["version"], entry["at"]))
    latencies = []
    unconfirmed = 0
    for code, version, committed in records:
        confirmed = [at for v, at in arrivals.get(code, []) if v >= version and at >= committed - 0.001]
        if confirmed:
            latencies.append(max(0.0, min(confirmed) - committed))
        else:
            unconfirmed += 1
    engine = create_engine(url)
    with Session(engine) as s:
        desired = dict(s.execute(select(Listing.external_id, Listing.desired_qty)).all())
    engine.dispose()
    drift = sum(1 for code, qty in desired.items() if state.get(f"bench:{code}") != qty)
    return {
        "workers": workers, "listings": args.listings, "changes": len(records), "rate": args.rate,
        "burst_s": round(burst_s, 2), "idle_after": idle,
        "latency_p50_s": round(_percentile(latencies, 0.50), 3) if latencies else None,
        "latency_p95_s": round(_percentile(latencies, 0.95), 3) if latencies else None,
        "latency_p99_s": round(_percentile(latencies, 0.99), 3) if latencies else None,
        "latency_mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "unconfirmed_changes": unconfirmed,
        "pushes": len(log), "pushes_per_change": round(len(log) / max(1, len(records)), 3),
        "deliveries_per_s": round(len(log) / max(0.001, burst_s), 1), "final_drift": drift,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="stock changes per second, in total")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args(argv)
    url = os.environ.get("WMS_BENCH_POSTGRES_URL", DEFAULT_URL)
    try:
        prepare_server(url, [url.rsplit("/", 1)[1]])
    except Unavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    keys = Fernet.generate_key().decode()
    results = []
    for workers in args.workers:
        result = run_case(url, workers, args, keys)
        results.append(result)
        print(json.dumps(result))
    print(f"{'workers':>7} {'changes':>7} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'push/chg':>8} {'drift':>5}")
    for r in results:
        print(f"{r['workers']:>7} {r['changes']:>7} {r['latency_p50_s']!s:>7} {r['latency_p95_s']!s:>7} "
              f"{r['latency_p99_s']!s:>7} {r['pushes_per_change']:>8} {r['final_drift']:>5}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    document = {"at": stamp, "loadavg": os.getloadavg()[0], "cpus": os.cpu_count(), "results": results}
    for name in (f"sync-{stamp}.json", "sync-latest.json"):
        (RESULTS / name).write_text(json.dumps(document, indent=2) + "\n")
    return 1 if any(r["final_drift"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
