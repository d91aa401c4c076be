"""Receiving scans per second through the HTTP API, against the ledger's raw
posting rate in the same run.

    .venv/bin/python -m bench.inbound [--duration 10] [--warmup 3] [--clients 16] [--gunicorn-workers 4]

What it does:

1. Recreates a PostgreSQL database of its own (<bench db>_inbound, next to
   WMS_BENCH_POSTGRES_URL's) and seeds it through the services: one
   warehouse with a generated layout, one seller with --skus SKUs with
   barcodes, one open ASN per client (a client is a dock door: scans of one
   ASN take turns on its row lock, as they must), and an operator token.
2. Serves Quayside with gunicorn (--gunicorn-workers processes with 4
   threads each) on a free local port, and runs --clients concurrent HTTP
   clients (threads with keep-alive connections, in this process) that post
   `POST /asns/{id}/receipts` scans of one unit by barcode, each with its
   own Idempotency-Key, for --duration seconds after --warmup seconds. Every
   scan is a ledger movement, an ASN line update, an expected-stock update
   and a putaway task with a suggested bin, plus the idempotency record.
3. In the same run, measures the ledger's raw posting rate with
   bench.ledger's spread case (8 worker processes calling post_movement
   directly, no HTTP) on the ledger bench database.
4. Verifies `wms check` on the inbound database, and that the scans the
   clients saw succeed equal the receipts recorded (none lost, none doubled).

Goals (the inbound issue): p99 latency under 100 ms and at least 0.15x the raw
posting rate. Prints a table, saves bench/results/inbound-<UTC>.json and
bench/results/inbound-latest.json. Exit status 2 when PostgreSQL is missing.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench import ledger as ledger_bench

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"p99_ms": 100.0, "ratio_to_raw": 0.15}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, n_skus: int, n_asns: int) -> dict:
    from wms.auth.principal import Principal
    from wms.auth.services import create_token
    from wms.catalog.services import create_seller, create_sku
    from wms.db import make_engine, make_sessionmaker
    from wms.facility.rules import LayoutParams
    from wms.facility.services import create_layout, create_warehouse
    from wms.inbound.services import create_asn

    admin = Principal.system("bench")
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            create_warehouse(s, admin, code="INB", name="Inbound bench", country="US", timezone="UTC")
            create_layout(s, admin, "INB", LayoutParams(blocks=2, aisles=10, bays_per_aisle=25, levels=4))
            create_seller(s, admin, code="INB", name="Inbound bench seller")
            barcodes = []
            for i in range(n_skus):
                code = f"20{i:011d}"
                create_sku(s, admin, {"seller": "INB", "code": f"IN-{i:05d}", "name": f"Inbound item {i}",
                                      "barcodes": [code], "length_mm": 100, "width_mm": 80, "height_mm": 50,
                                      "weight_g": 200})
                barcodes.append((f"IN-{i:05d}", code))
            asns = []
            per_asn = max(1, n_skus // n_asns)
            for a in range(n_asns):
                lines = barcodes[a * per_asn:(a + 1) * per_asn] or barcodes[:per_asn]
                asn = create_asn(s, admin, {"seller": "INB", "warehouse": "INB", "reference": f"BENCH-{a:03d}",
                                            "lines": [{"sku": code, "qty": 100_000} for code, _bc in lines]})
                asns.append({"id": asn.id, "barcodes": [bc for _code, bc in lines]})
            _token, raw = create_token(s, admin, name="bench operator", role="operator", warehouses=["INB"])
            return {"asns": asns, "token": raw}
    finally:
        engine.dispose()


class Client(threading.Thread):
    def __init__(self, port: int, token: str, asn: dict, stop_at: float, measure_from: float, seed_value: int):
        super().__init__(daemon=True)
        self.port, self.token, self.asn = port, token, asn
        self.stop_at, self.measure_from = stop_at, measure_from
        self.rng = random.Random(seed_value)
        self.latencies: list[float] = []
        self.ok = self.errors = self.ok_total = 0
        self.error_samples: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        path = f"/api/v1/asns/{self.asn['id']}/receipts"
        while time.monotonic() < self.stop_at:
            body = json.dumps({"barcode": self.rng.choice(self.asn["barcodes"]), "qty": 1})
            started = time.monotonic()
            try:
                conn.request("POST", path, body=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, payload = 0, str(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            elapsed = (time.monotonic() - started) * 1000
            if status == 201:
                self.ok_total += 1
            if started < self.measure_from:
                continue
            if status == 201:
                self.ok += 1
                self.latencies.append(elapsed)
            else:
                self.errors += 1
                if len(self.error_samples) < 3:
                    self.error_samples.append(f"{status}: {payload[:200]!r}")
        conn.close()


def serve(url: str, port: int, workers: int) -> subprocess.Popen:
    # The bench measures the server, not its abuse limits (one client address sends every
    # scan) nor one access line per request.
    env = {**os.environ, "WMS_DATABASE_URL": url, "WMS_RATE_LIMITS": "off", "WMS_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--threads", "4",
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )
    # A loaded machine can take minutes to import the app in every worker.
    ready_s = float(os.environ.get("WMS_BENCH_READY_SECONDS", "60"))
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not become ready in {ready_s:.0f} s (WMS_BENCH_READY_SECONDS)")


def verify(url: str, scans_ok: int) -> dict:
    from sqlalchemy import func, select

    from wms.checks import run_checks
    from wms.db import make_engine, make_sessionmaker
    from wms.inbound.models import Receipt

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            failures = {r.name: r.violations for r in run_checks(s) if not r.ok}
            receipts = s.scalar(select(func.count()).select_from(Receipt))
    finally:
        engine.dispose()
    return {"ledger_check_failures": failures, "receipts": receipts, "scans_ok": scans_ok,
            "receipts_match_scans": receipts == scans_ok}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--skus", type=int, default=400)
    parser.add_argument("--raw-workers", type=int, default=8)
    args = parser.parse_args(argv)

    from sqlalchemy.engine import make_url

    base = os.environ.get("WMS_BENCH_POSTGRES_URL", ledger_bench.DEFAULT_URL)
    parsed = make_url(base)
    inbound_url = parsed.set(database=f"{parsed.database}_inbound").render_as_string(hide_password=False)
    try:
        version = ledger_bench.prepare_server(base, [parsed.database, f"{parsed.database}_inbound"])
    except ledger_bench.Unavailable as exc:
        print(f"bench.inbound needs PostgreSQL: {exc}", file=sys.stderr)
        return 2

    print("raw postings: seeding the ledger bench database ...", flush=True)
    ledger_bench.reset_database(base)
    plan = ledger_bench.seed(base, 2000, random.Random(20261123))
    timing = ledger_bench.Timing(warmup=args.warmup, duration=args.duration)
    raw = ledger_bench.run_case(base, "spread", "ledger", plan, args.raw_workers, timing, 20261123)

    print("inbound: seeding ...", flush=True)
    ledger_bench.reset_database(inbound_url)
    seeded = seed(inbound_url, args.skus, args.clients)
    port = _free_port()
    server = serve(inbound_url, port, args.gunicorn_workers)
    try:
        now = time.monotonic()
        measure_from = now + args.warmup
        stop_at = measure_from + args.duration
        clients = [Client(port, seeded["token"], seeded["asns"][i % len(seeded["asns"])], stop_at, measure_from, i)
                   for i in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = [x for c in clients for x in c.latencies]
    scans = sum(c.ok for c in clients)
    scans_per_s = scans / args.duration
    checks = verify(inbound_url, sum(c.ok_total for c in clients))
    report = {
        "benchmark": "inbound",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "postgresql": version, "python": sys.version.split()[0],
                    "loadavg_1m_after": os.getloadavg()[0]},
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "clients": args.clients,
                     "gunicorn_workers": args.gunicorn_workers, "gunicorn_threads": 4, "skus": args.skus,
                     "raw_workers": args.raw_workers},
        "scans": {"ok": scans, "errors": sum(c.errors for c in clients), "per_s": round(scans_per_s, 1),
                  "latency_ms": {f"p{q}": round(_percentile(latencies, q), 1) for q in (50, 95, 99)},
                  "error_samples": [s for c in clients for s in c.error_samples][:5]},
        "raw_ledger": {"movements_per_s": raw.movements_per_s, "postings_per_s": raw.postings_per_s,
                       "latency_ms": raw.latency_ms},
        "ratio_scans_to_raw_movements": round(scans_per_s / raw.movements_per_s, 3) if raw.movements_per_s else None,
        "goals": GOALS,
        "verify": checks,
    }
    report["goals_met"] = {
        "p99_ms": report["scans"]["latency_ms"]["p99"] < GOALS["p99_ms"],
        "ratio_to_raw": (report["ratio_scans_to_raw_movements"] or 0) >= GOALS["ratio_to_raw"],
    }
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"inbound-{stamp}.json", "inbound-latest.json"):
        (results / name).write_text(json.dumps(report, indent=2) + "\n")
    s, r = report["scans"], report["raw_ledger"]
    print(f"""
inbound scans through HTTP ({args.clients} clients, gunicorn {args.gunicorn_workers}x4 threads, PostgreSQL {version})
  scans/s          {s['per_s']:>10}   (ok {s['ok']}, errors {s['errors']})
  latency p50/p95/p99 ms  {s['latency_ms']['p50']} / {s['latency_ms']['p95']} / {s['latency_ms']['p99']}
  raw ledger movements/s  {r['movements_per_s']} (post_movement, {args.raw_workers} processes, no HTTP)
  ratio scans / raw       {report['ratio_scans_to_raw_movements']}   goal >= {GOALS['ratio_to_raw']}
  p99 goal < {GOALS['p99_ms']} ms: {'met' if report['goals_met']['p99_ms'] else 'missed'}
  ledger check: {'clean' if not checks['ledger_check_failures'] else checks['ledger_check_failures']}
  receipts recorded {checks['receipts']} = scans acknowledged {checks['scans_ok']}: {checks['receipts_match_scans']}
""")
    return 1 if checks["ledger_check_failures"] or not checks["receipts_match_scans"] else 0


if __name__ == "__main__":
    sys.exit(main())
