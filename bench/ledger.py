"""Stock ledger throughput on PostgreSQL, against pgbench in the same run.

    .venv/bin/python -m bench.ledger [--duration 10] [--warmup 3] [--workers 8] [--skus 2000] [--rounds 1]
                                     [--via ledger|statements|inventory] [--strict]

What it does:

1. Recreates the bench database (WMS_BENCH_POSTGRES_URL, by default
   postgresql+psycopg://postgres@127.0.0.1:5432/wms_bench): drops and
   recreates its schema and migrates it with Alembic.
2. Seeds it through the services, as a user would: one warehouse with a
   generated layout, one seller, --skus SKUs stocked in two bins each and one
   hot SKU stocked in eight bins.
3. Measures movements committed per second through the ledger service
   (post_movement) with --workers processes, each with its own engine and
   connection, for --duration seconds after --warmup seconds:
   - spread: each movement is on a random SKU of the many;
   - hot: every worker posts on the same single SKU.
   Half the movements are moves of one unit between two bins of the SKU (two
   balances), half are adjustments of one unit in or out of a bin (two
   balances, one of them the SKU's adjustment source, and the SKU's stock
   level). Each movement is one transaction with two postings.
4. Runs pgbench's built-in simple-update script (`pgbench -N`, -c --workers,
   -j 2) on the same server, in a database of its own (<bench db>_pgbench),
   just before the two cases (each round: pgbench, spread, hot; --rounds > 1
   repeats them and reports the medians, which a noisy machine needs).
   One pgbench transaction and one ledger movement are both one committed
   transaction, so movements/s over pgbench tps is the figure to read.
5. Verifies that every ledger invariant (wms.ledger.checks) still holds on
   the bench database: a run that corrupts the ledger is not a result.

Besides the rates it reports what limits them, where the server runs on
this machine: CPU per transaction of the clients (worker processes, or
pgbench) and of their PostgreSQL backends (from /proc), how busy the whole
machine was, and statements per movement. pgbench's backend CPU per
transaction over the ledger's gives the ratio the ledger could reach if only
the database server's CPU limited it (clients on other machines).

It prints a table and saves the figures to bench/results/ledger-<UTC
timestamp>.json and bench/results/ledger-latest.json. Exit status: 0 when it
ran (goals met or not; --strict makes a missed goal 1), 1 when the ledger
checks fail or a worker crashed, 2 when PostgreSQL or pgbench is missing.
bench.inbound uses prepare_server, reset_database, seed, Timing and run_case.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import json
import math
import multiprocessing as mp
import os
import platform
import queue
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wms_bench"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOALS = {"spread": 0.5, "hot": 0.3}  # movements/s as a fraction of pgbench simple-update tps
BINS_PER_SKU = 2
HOT_BINS = 8
OPENING_QTY = 100_000  # per bin: a random walk of single units never empties it
WAREHOUSE = "BENCH"
SELLER = "BENCH"


class Unavailable(Exception):
    """PostgreSQL or pgbench is not there: nothing to measure."""


# --- prerequisites ------------------------------------------------------------

def find_pgbench() -> str | None:
    explicit = os.environ.get("WMS_BENCH_PGBENCH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), key=_version_key, reverse=True)
    return candidates[0] if candidates else None


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path))


def _admin_engine(url):
    """An AUTOCOMMIT engine on the server's maintenance database."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    return create_engine(
        make_url(url).set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )


def prepare_server(url: str, databases: list[str]) -> str:
    """Check that the server answers, create the databases that are missing,
    and return the server's version."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise Unavailable(f"the ledger benchmark needs PostgreSQL, and {_safe(url)} is not a PostgreSQL URL")
    try:
        engine = _admin_engine(url)
        with engine.connect() as conn:
            version = conn.scalar(text("SHOW server_version"))
            for name in databases:
                if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except ImportError as exc:  # no driver
        raise Unavailable(f"the PostgreSQL driver is not installed ({exc})") from exc
    except DBAPIError as exc:
        first = str(exc.orig or exc).strip().splitlines()[0]
        raise Unavailable(f"PostgreSQL is not reachable at {_safe(url)}: {first}") from exc
    return str(version)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _quiet_sql(url: str, sql: str) -> None:
    """Run one statement on the bench database outside a transaction."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def reset_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from wms.migrate import upgrade

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


# --- seeding ------------------------------------------------------------------

@dataclass
class Plan:
    """What the workers post on: plain ids and codes, picklable."""

    warehouse_id: int
    adjustment_id: int
    # (sku id, ((bin id, bin code), ...)) for the spread SKUs
    skus: list[tuple[int, tuple[tuple[int, str], ...]]]
    hot: tuple[int, tuple[tuple[int, str], ...]]
    storage_bins: int = 0
    seed_seconds: float = 0.0


def _layout_for(bins: int):
    from wms.facility.rules import LayoutParams

    per_aisle = 2 * 2 * 25 * 4  # two blocks, bays on both sides, four levels
    return LayoutParams(blocks=2, aisles=max(2, math.ceil(bins / per_aisle)), bays_per_aisle=25, levels=4)


def seed(url: str, n_skus: int, rng: random.Random) -> Plan:
    """Warehouse, layout, seller, SKUs and opening stock, all through the
    services (the opening stock is a count movement per SKU)."""
    from sqlalchemy import select

    from wms.auth.principal import Principal
    from wms.catalog.services import create_seller, create_sku
    from wms.db import make_engine, make_sessionmaker, transaction
    from wms.facility.models import Location
    from wms.facility.services import create_layout, create_warehouse, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    started = time.monotonic()
    admin = Principal.system("bench")
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            wh = create_warehouse(s, admin, code=WAREHOUSE, name="Benchmark warehouse", country="US", timezone="UTC")
            create_layout(s, admin, WAREHOUSE, _layout_for(n_skus * BINS_PER_SKU + HOT_BINS))
            create_seller(s, admin, code=SELLER, name="Benchmark seller")
            sku_ids = [
                create_sku(s, admin, {
                    "seller": SELLER, "code": f"BN-{i:05d}", "name": f"Benchmark item {i}",
                    "barcodes": [f"20{i:011d}"], "length_mm": 200, "width_mm": 150, "height_mm": 80,
                    "weight_g": 500,
                }).id
                for i in range(n_skus + 1)
            ]
            bins = list(s.execute(
                select(Location.id, Location.code)
                .where(Location.warehouse_id == wh.id, Location.kind == "storage")
                .order_by(Location.id)
            ))
            rng.shuffle(bins)
            adjustment = virtual_location(s, wh.id, "adjustment")
            assigned = []
            for sku_id in sku_ids:
                count = HOT_BINS if sku_id == sku_ids[0] else BINS_PER_SKU
                assigned.append((sku_id, tuple(bins.pop() for _ in range(count))))
            for start in range(0, len(assigned), 250):
                with transaction(s):
                    for sku_id, sku_bins in assigned[start:start + 250]:
                        lines = []
                        for bin_id, _code in sku_bins:
                            lines += [PostingLine(bin_id, sku_id, OPENING_QTY),
                                      PostingLine(adjustment.id, sku_id, -OPENING_QTY)]
                        post_movement(s, warehouse_id=wh.id, kind="count", lines=lines, reason="count",
                                      reference="BENCH-OPENING", note="benchmark opening stock")
            storage_bins = len(bins) + sum(len(b) for _, b in assigned)
            return Plan(
                warehouse_id=wh.id, adjustment_id=adjustment.id, skus=assigned[1:], hot=assigned[0],
                storage_bins=storage_bins, seed_seconds=round(time.monotonic() - started, 1),
            )
    finally:
        engine.dispose()


# --- the workers --------------------------------------------------------------

@dataclass
class Timing:
    warmup: float
    duration: float


def _worker(index: int, url: str, case: str, via: str, plan: Plan, timing: Timing, seed_value: int,
            ready, start, start_at, results) -> None:
    """One process with its own engine: post movements until the window
    closes, and report what was committed inside the measured window."""
    try:
        results.put(_work(index, url, case, via, plan, timing, seed_value, ready, start, start_at))
    except BaseException:
        results.put({"worker": index, "crash": traceback.format_exc()})


def _work(index, url, case, via, plan: Plan, timing: Timing, seed_value, ready, start, start_at) -> dict:
    from sqlalchemy import event, text
    from sqlalchemy.exc import DBAPIError

    from wms.auth.principal import Principal
    from wms.db import make_engine, make_sessionmaker
    from wms.errors import InsufficientStock
    from wms.inventory.services import adjust_stock, move_stock
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    if via == "statements":
        # The statement-by-statement path (SQLite's) on PostgreSQL, to compare
        # with wms_post_movement()'s one round trip.
        from wms.ledger import services as ledger_services
        ledger_services._one_round_trip = lambda _session: False
    rng = random.Random(seed_value * 1000 + index)
    engine = make_engine(url, pool_size=1, max_overflow=0)  # the app's engine settings, one connection
    Session = make_sessionmaker(engine)
    actor = Principal.system(f"bench worker {index}")
    statements = 0

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        nonlocal statements
        statements += 1

    with engine.connect() as conn:  # connect before the clock starts; the pool keeps this one connection
        backend_pid = conn.scalar(text("SELECT pg_backend_pid()"))
    ready.put(index)
    start.wait()
    measure_from = start_at.value + timing.warmup
    until = measure_from + timing.duration

    movements = postings = rejected = errors = counted_statements = 0
    kinds = {"move": 0, "adjustment": 0}
    latencies: list[float] = []
    error_samples: list[str] = []
    wh, adj = plan.warehouse_id, plan.adjustment_id
    cpu_from = None
    while True:
        began = time.monotonic()
        if began >= until:
            break
        if cpu_from is None and began >= measure_from:
            cpu_from = (_own_cpu(), _process_cpu(backend_pid))
        sku_id, bins = plan.hot if case == "hot" else rng.choice(plan.skus)
        before = statements
        if rng.random() < 0.5:
            kind = "move"
            (src, src_code), (dst, dst_code) = rng.sample(bins, 2)
            lines = [PostingLine(src, sku_id, -1), PostingLine(dst, sku_id, 1)]
        else:
            kind = "adjustment"
            (target, target_code), qty = rng.choice(bins), rng.choice((1, -1))
            lines = [PostingLine(target, sku_id, qty), PostingLine(adj, sku_id, -qty)]
        try:
            with Session() as session:
                if via == "inventory":
                    if kind == "move":
                        move_stock(session, actor, warehouse=WAREHOUSE, from_location=src_code,
                                   to_location=dst_code, sku=sku_id, qty=1)
                    else:
                        adjust_stock(session, actor, warehouse=WAREHOUSE, location=target_code, sku=sku_id,
                                     qty=qty, reason="found" if qty > 0 else "lost")
                else:
                    post_movement(session, warehouse_id=wh, kind=kind, lines=lines,
                                  reason=None if kind == "move" else ("found" if lines[0].qty > 0 else "lost"))
        except InsufficientStock:
            rejected += 1
            continue
        except DBAPIError as exc:  # deadlocks, serialization failures: there should be none
            errors += 1
            if len(error_samples) < 5:
                error_samples.append(str(exc.orig or exc).strip().splitlines()[0])
            continue
        ended = time.monotonic()
        if measure_from <= ended <= until:
            movements += 1
            postings += len(lines)  # distinct keys: nothing nets away
            kinds[kind] += 1
            counted_statements += statements - before
            latencies.append((ended - began) * 1000)
    cpu_to = (_own_cpu(), _process_cpu(backend_pid))
    engine.dispose()
    client_cpu = cpu_to[0] - cpu_from[0] if cpu_from else None
    server_cpu = cpu_to[1] - cpu_from[1] if cpu_from and None not in (cpu_from[1], cpu_to[1]) else None
    return {
        "worker": index, "movements": movements, "postings": postings, "rejected": rejected, "errors": errors,
        "error_samples": error_samples, "statements": counted_statements, "kinds": kinds, "latencies_ms": latencies,
        "client_cpu_s": client_cpu, "server_cpu_s": server_cpu,
    }


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _process_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a local process (the worker's PostgreSQL
    backend), or None when the server is not on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def busy_percent(before, after) -> float | None:
    if before is None or after is None or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


@dataclass
class CaseResult:
    case: str
    movements: int
    postings: int
    movements_per_s: float
    postings_per_s: float
    statements_per_movement: float
    client_cpu_ms_per_movement: float | None
    server_cpu_ms_per_movement: float | None
    machine_cpu_busy_percent: float | None
    latency_ms: dict[str, float]
    rejected: int
    errors: int
    kinds: dict[str, int]
    per_worker_movements: list[int]
    error_samples: list[str] = field(default_factory=list)


def run_case(url: str, case: str, via: str, plan: Plan, workers: int, timing: Timing, seed_value: int) -> CaseResult:
    ctx = mp.get_context("spawn")  # fresh interpreters: no engine or connection crosses a fork
    ready, results = ctx.Queue(), ctx.Queue()
    start, start_at = ctx.Event(), ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=_worker, name=f"bench-{case}-{i}", daemon=True,
                    args=(i, url, case, via, plan, timing, seed_value, ready, start, start_at, results))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = []
        for _ in range(workers):  # every worker connected, or one crashed
            try:
                ready.get(timeout=120)
            except queue.Empty as exc:
                raise RuntimeError(f"{case}: workers did not start in 120 s") from exc
            while not results.empty():
                outcomes.append(results.get())
            _raise_crash(case, outcomes)
        start_at.value = time.monotonic() + 0.1
        start.set()
        window = start_at.value + timing.warmup
        time.sleep(max(0.0, window - time.monotonic()))
        cpu_before = machine_cpu()
        time.sleep(max(0.0, window + timing.duration - time.monotonic()))
        busy = busy_percent(cpu_before, machine_cpu())
        deadline = time.monotonic() + 120
        while len(outcomes) < workers:
            try:
                outcomes.append(results.get(timeout=max(1.0, deadline - time.monotonic())))
            except queue.Empty as exc:
                raise RuntimeError(f"{case}: workers did not finish in time") from exc
            _raise_crash(case, outcomes)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    latencies = sorted(x for o in outcomes for x in o["latencies_ms"])
    movements = sum(o["movements"] for o in outcomes)
    postings = sum(o["postings"] for o in outcomes)
    kinds = {k: sum(o["kinds"][k] for o in outcomes) for k in ("move", "adjustment")}
    return CaseResult(
        case=case,
        movements=movements,
        postings=postings,
        movements_per_s=round(movements / timing.duration, 1),
        postings_per_s=round(postings / timing.duration, 1),
        statements_per_movement=round(sum(o["statements"] for o in outcomes) / movements, 2) if movements else 0.0,
        client_cpu_ms_per_movement=_per_movement_ms(outcomes, "client_cpu_s", movements),
        server_cpu_ms_per_movement=_per_movement_ms(outcomes, "server_cpu_s", movements),
        machine_cpu_busy_percent=busy,
        latency_ms={f"p{q}": round(_percentile(latencies, q), 2) for q in (50, 95, 99)},
        rejected=sum(o["rejected"] for o in outcomes),
        errors=sum(o["errors"] for o in outcomes),
        kinds=kinds,
        per_worker_movements=[o["movements"] for o in sorted(outcomes, key=lambda o: o["worker"])],
        error_samples=[s for o in outcomes for s in o["error_samples"]][:5],
    )


def _per_movement_ms(outcomes: list[dict], key: str, movements: int) -> float | None:
    values = [o[key] for o in outcomes]
    if not movements or None in values:
        return None
    return round(1000 * sum(values) / movements, 3)


def _raise_crash(case: str, outcomes: list[dict]) -> None:
    for o in outcomes:
        if "crash" in o:
            raise RuntimeError(f"{case}: worker {o['worker']} crashed:\n{o['crash']}")


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1)]


# --- pgbench ------------------------------------------------------------------

TPS = re.compile(r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)", re.M)


def _pgbench_args(url: str) -> tuple[list[str], dict[str, str]]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    args = []
    if u.host:
        args += ["-h", u.host]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def pgbench_init(pgbench: str, url: str, database: str, scale: int) -> None:
    args, env = _pgbench_args(url)
    subprocess.run([pgbench, "-i", "-q", "-s", str(scale), *args, database], env=env, check=True,
                   capture_output=True, text=True)


class BackendSampler(threading.Thread):
    """Samples the CPU time of pgbench's PostgreSQL backends while it runs
    (they exit with it, so the last sample stands for the end)."""

    def __init__(self, url: str, database: str):
        super().__init__(daemon=True)
        self.url, self.database = url, database
        self.stop = threading.Event()
        self.first: dict[int, tuple[float, float]] = {}
        self.last: dict[int, tuple[float, float]] = {}

    def run(self) -> None:
        from sqlalchemy import text

        engine = _admin_engine(self.url)
        try:
            with engine.connect() as conn:
                while not self.stop.wait(0.2):
                    pids = conn.scalars(text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :db AND application_name = 'pgbench'"
                    ), {"db": self.database}).all()
                    now = time.monotonic()
                    for pid in pids:
                        cpu = _process_cpu(pid)
                        if cpu is not None:
                            self.first.setdefault(pid, (now, cpu))
                            self.last[pid] = (now, cpu)
        except Exception:  # noqa: BLE001 - a diagnostic only
            self.first.clear()
        finally:
            engine.dispose()

    def cpu_per_second(self) -> float | None:
        spans = [(self.last[p][0] - t0, self.last[p][1] - c0) for p, (t0, c0) in self.first.items()]
        spans = [(dt, dc) for dt, dc in spans if dt > 1.0]
        if not spans:
            return None
        return sum(dc for _, dc in spans) / statistics.median(dt for dt, _ in spans)


def pgbench_run(pgbench: str, url: str, database: str, clients: int, threads: int, seconds: int) -> dict:
    args, env = _pgbench_args(url)
    cmd = [pgbench, "-N", "-c", str(clients), "-j", str(threads), "-T", str(seconds), *args, database]
    sampler = BackendSampler(url, database)
    sampler.start()
    cpu_before, children_before = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    busy = busy_percent(cpu_before, machine_cpu())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.stop.set()
    sampler.join(timeout=10)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr.strip()}")
    match = TPS.search(done.stdout)
    if not match:
        raise RuntimeError(f"no tps in pgbench's output:\n{done.stdout}")
    processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", done.stdout)
    tps = float(match.group(1))
    transactions = int(processed.group(1)) if processed else None
    client_cpu = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    server_rate = sampler.cpu_per_second()
    return {
        "tps": tps,
        "transactions": transactions,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "client_cpu_ms_per_tx": round(1000 * client_cpu / transactions, 3) if transactions else None,
        "server_cpu_ms_per_tx": round(1000 * server_rate / tps, 3) if server_rate is not None and tps else None,
        "machine_cpu_busy_percent": busy,
        "command": " ".join(cmd[:1] + ["-N", "-c", str(clients), "-j", str(threads), "-T", str(seconds)]),
    }


# --- the run ------------------------------------------------------------------

def _git_revision() -> str | None:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def _loadavg() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _checkpoint(url: str) -> None:
    """Start each measurement with no dirty buffers of the previous one to write."""
    with contextlib.suppress(Exception):  # needs superuser; the figures are still valid without it
        _quiet_sql(url, "CHECKPOINT")


def verify_ledger(url: str) -> list[dict]:
    from wms.checks import run_checks
    from wms.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            return [{"number": r.number, "name": r.name, "violations": r.violations} for r in run_checks(s)]
    finally:
        engine.dispose()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per case (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds before each case (default 3)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent worker processes and pgbench clients")
    parser.add_argument("--skus", type=int, default=2000, help="SKUs for the spread case (default 2000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat pgbench, spread and hot this many times and report the medians")
    parser.add_argument("--pgbench-threads", type=int, default=2, help="pgbench -j (default 2)")
    parser.add_argument("--pgbench-scale", type=int, default=10, help="pgbench -i -s (default 10)")
    parser.add_argument("--via", choices=("ledger", "statements", "inventory"), default="ledger",
                        help="post through wms.ledger post_movement (default: one round trip, wms_post_movement()),"
                             " through post_movement's statement-by-statement path (SQLite's), or through"
                             " wms.inventory adjust_stock/move_stock, which also resolve the warehouse, locations and"
                             " SKU by code")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    for name in ("duration", "workers", "skus", "rounds", "pgbench_threads", "pgbench_scale"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("WMS_BENCH_POSTGRES_URL", DEFAULT_URL)
    try:
        pgbench = find_pgbench()
        if pgbench is None and os.environ.get("WMS_BENCH_PGBENCH"):
            raise Unavailable(f"WMS_BENCH_PGBENCH={os.environ['WMS_BENCH_PGBENCH']} is not an executable")
        if pgbench is None:
            raise Unavailable("pgbench is not installed (it comes with the PostgreSQL server package, e.g. "
                              "Debian's postgresql-15); set WMS_BENCH_PGBENCH to its path")
        from sqlalchemy.engine import make_url

        bench_db = make_url(url).database or "wms_bench"
        pgbench_db = f"{bench_db}_pgbench"
        server_version = prepare_server(url, [bench_db, pgbench_db])
    except Unavailable as exc:
        print(f"bench.ledger: cannot run: {exc}", file=sys.stderr)
        return 2

    threads = min(args.pgbench_threads, args.workers)
    timing = Timing(warmup=args.warmup, duration=args.duration)
    print(f"PostgreSQL {server_version} at {_safe(url)}; pgbench {pgbench}")
    print(f"seeding {args.skus} SKUs (+1 hot) through the services ...", flush=True)
    reset_database(url)
    plan = seed(url, args.skus, random.Random(args.seed))
    print(f"  seeded in {plan.seed_seconds} s: {len(plan.skus) + 1} SKUs in {plan.storage_bins} storage bins")
    print(f"pgbench -i -s {args.pgbench_scale} {pgbench_db} ...", flush=True)
    pgbench_init(pgbench, url, pgbench_db, args.pgbench_scale)
    pgbench_url = make_url(url).set(database=pgbench_db).render_as_string(hide_password=False)

    rounds: list[dict] = []
    try:
        for r in range(args.rounds):
            label = f"round {r + 1}/{args.rounds}: " if args.rounds > 1 else ""
            print(f"{label}pgbench -N -c {args.workers} -j {threads}, {args.warmup} + {args.duration} s ...",
                  flush=True)
            _checkpoint(pgbench_url)
            load = {"pgbench": _loadavg()}
            if args.warmup:
                pgbench_run(pgbench, url, pgbench_db, args.workers, threads, args.warmup)
            pg = pgbench_run(pgbench, url, pgbench_db, args.workers, threads, args.duration)
            cases = {}
            for case in ("spread", "hot"):
                print(f"{label}{case}: {args.workers} workers, {args.warmup} + {args.duration} s ...", flush=True)
                _checkpoint(url)
                load[case] = _loadavg()
                cases[case] = run_case(url, case, args.via, plan, args.workers, timing, args.seed + r)
            rounds.append({"pgbench": pg, **{k: asdict(v) for k, v in cases.items()}, "loadavg_1m_before": load})
    except RuntimeError as exc:
        print(f"bench.ledger: {exc}", file=sys.stderr)
        return 1

    print("verifying the ledger (wms check) ...", flush=True)
    checks = verify_ledger(url)
    clean = all(not c["violations"] for c in checks)

    pg_tps = statistics.median(r["pgbench"]["tps"] for r in rounds)
    pg_cpu = {key: _median_or_none(r["pgbench"][key] for r in rounds)
              for key in ("client_cpu_ms_per_tx", "server_cpu_ms_per_tx", "machine_cpu_busy_percent")}
    summary = {case: _median_case([r[case] for r in rounds]) for case in ("spread", "hot")}
    ratios = {case: round(summary[case]["movements_per_s"] / pg_tps, 3) if pg_tps else 0.0 for case in summary}
    met = {case: ratios[case] >= GOALS[case] for case in GOALS}
    # What the ratio could be if the server's CPU were the only limit (clients on other machines): pgbench's
    # backend CPU per transaction over the ledger's backend CPU per movement.
    server_bound = {
        case: round(pg_cpu["server_cpu_ms_per_tx"] / summary[case]["server_cpu_ms_per_movement"], 3)
        if pg_cpu["server_cpu_ms_per_tx"] and summary[case]["server_cpu_ms_per_movement"] else None
        for case in summary
    }
    now = datetime.now(UTC)
    report = {
        "benchmark": "ledger",
        "timestamp": now.isoformat(timespec="seconds"),
        "git": _git_revision(),
        "machine": {
            "nproc": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "loadavg_1m_before_each_phase": [r["loadavg_1m_before"] for r in rounds],
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": server_version,
            "sqlalchemy": _version("sqlalchemy"),
            "psycopg": _version("psycopg"),
        },
        "settings": {
            "url": _safe(url), "duration_s": args.duration, "warmup_s": args.warmup, "workers": args.workers,
            "skus": args.skus, "hot_bins": HOT_BINS, "bins_per_sku": BINS_PER_SKU, "rounds": args.rounds,
            "via": args.via, "seed": args.seed, "pgbench_threads": threads, "pgbench_scale": args.pgbench_scale,
            "workload": "each movement one transaction with two postings: half moves of 1 unit between two bins "
                        "of the SKU, half adjustments of 1 unit in or out of a bin of the SKU",
        },
        "pgbench": {"tps": pg_tps, **pg_cpu, "rounds": [r["pgbench"] for r in rounds]},
        "spread": summary["spread"],
        "hot": summary["hot"],
        "ratios": ratios,
        "server_cpu_bound_ratios": server_bound,
        "goals": GOALS,
        "goals_met": met,
        "checks": {"clean": clean, "results": checks},
        "rounds": rounds if args.rounds > 1 else None,
        "seed_seconds": plan.seed_seconds,
    }
    print_table(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"ledger-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    text = json.dumps(report, indent=2) + "\n"
    path.write_text(text)
    (RESULTS_DIR / "ledger-latest.json").write_text(text)
    print(f"saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    if not clean:
        print("bench.ledger: the ledger checks FAILED after the run: these figures are not a result", file=sys.stderr)
        return 1
    if args.strict and not all(met.values()):
        return 1
    return 0


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _median_or_none(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def _median_case(results: list[dict]) -> dict:
    if len(results) == 1:
        return results[0]
    merged = dict(results[len(results) // 2])
    for key in ("movements_per_s", "postings_per_s", "statements_per_movement", "client_cpu_ms_per_movement",
                "server_cpu_ms_per_movement", "machine_cpu_busy_percent"):
        values = [r[key] for r in results if r[key] is not None]
        merged[key] = round(statistics.median(values), 3) if values else None
    merged["latency_ms"] = {q: round(statistics.median(r["latency_ms"][q] for r in results), 2)
                            for q in results[0]["latency_ms"]}
    for key in ("movements", "postings", "rejected", "errors"):
        merged[key] = sum(r[key] for r in results)
    return merged


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(report: dict) -> None:
    m, s = report["machine"], report["settings"]
    pg = report["pgbench"]
    print()
    print(f"Ledger throughput: PostgreSQL {m['postgresql']}, Python {m['python']}, {m['nproc']} CPUs, "
          f"{s['workers']} workers, {s['duration_s']} s measured after {s['warmup_s']} s warm-up"
          + (f", median of {s['rounds']} rounds" if s["rounds"] > 1 else ""))
    header = (f"{'case':<28}{'tx/s':>8}{'postings/s':>11}{'p50 ms':>8}{'p99 ms':>8}{'SQL/tx':>7}"
              f"{'client ms':>10}{'server ms':>10}{'CPU busy':>9}{'errors':>7}{'x pgbench':>10}{'goal':>8}")
    print(header)
    print("-" * (len(header) + 9))
    print(f"{'pgbench simple-update (-N)':<28}{pg['tps']:>8.1f}{'':>11}{'':>8}{'':>8}{'':>7}"
          f"{_fmt(pg['client_cpu_ms_per_tx'], '.2f'):>10}{_fmt(pg['server_cpu_ms_per_tx'], '.2f'):>10}"
          f"{_fmt(pg['machine_cpu_busy_percent'], '.0f'):>8}%{'':>7}{1.0:>10.2f}")
    for case, label in (("spread", f"spread ({s['skus']} SKUs)"), ("hot", "hot (1 SKU)")):
        c = report[case]
        verdict = "met" if report["goals_met"][case] else "NOT MET"
        busy = _fmt(c["machine_cpu_busy_percent"], ".0f")
        print(f"{label:<28}{c['movements_per_s']:>8.1f}{c['postings_per_s']:>11.1f}{c['latency_ms']['p50']:>8.1f}"
              f"{c['latency_ms']['p99']:>8.1f}{c['statements_per_movement']:>7.1f}"
              f"{_fmt(c['client_cpu_ms_per_movement'], '.2f'):>10}{_fmt(c['server_cpu_ms_per_movement'], '.2f'):>10}"
              f"{busy:>8}%{c['errors']:>7}{report['ratios'][case]:>10.2f}{'>= ' + str(report['goals'][case]):>8}"
              f"  {verdict}")
    print("tx/s: ledger movements/s (one movement = one transaction) or pgbench tps without connection time. "
          "SQL/tx: statements per movement (BEGIN, COMMIT, pool pings not counted). client/server ms: CPU per "
          "movement of the worker processes and of their PostgreSQL backends. CPU busy: all CPUs, whole machine.")
    bound = report["server_cpu_bound_ratios"]
    if None not in bound.values():
        print(f"If only the server's CPU limited it (clients elsewhere): spread {bound['spread']:.2f}x, "
              f"hot {bound['hot']:.2f}x pgbench (pgbench backend CPU per transaction / ledger backend CPU per "
              "movement; lock waits not included).")
    for case in ("spread", "hot"):
        if report[case]["error_samples"]:
            print(f"{case} errors, e.g.: {report[case]['error_samples'][0]}")
    failed = [c for c in report["checks"]["results"] if c["violations"]]
    if failed:
        print("ledger checks FAILED:")
        for c in failed:
            print(f"  {c['number']}. {c['name']}: {c['violations'][:3]}")
    else:
        print(f"ledger checks: all {len(report['checks']['results'])} clean")


if __name__ == "__main__":
    sys.exit(main())
