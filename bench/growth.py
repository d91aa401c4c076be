"""Flat cost as the ledger grows (issue 12, item 3), in one run.

On a database of its own (WMS_BENCH_POSTGRES_URL's name + "_growth"),
seeded like bench/ledger.py, this measures, in one process:

- posting: `post_movement` of a one-unit move between two bins of a random
  SKU (one transaction each), movements/s over MOVES movements;
- a stock query: `list_stock` for one SKU (what `GET /stock?sku=` runs),
  p50/p99 over QUERIES queries;

first on the seeded ledger, then again after preloading PRELOAD postings
(default 1,000,000) of history with plain SQL: pairs of movements that bring
units from the adjustment location into a bin and take them out again, so
balances and stock levels stay what they were and `wms check` holds. Prints
the figures and the ratio grown/empty. Never part of `make test`.

    python -m bench.growth [--preload 1000000] [--moves 400] [--queries 400]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

from bench import ledger as ledger_bench

PRELOAD_SQL = """
WITH pairs AS (
    SELECT g, b.loc, b.sku, 1 + (g % 7) AS q
      FROM generate_series(1, :pairs) AS g
      JOIN LATERAL (SELECT loc, sku FROM bench_bins WHERE n = 1 + (g % :bins)) AS b ON true
), moved AS (
    INSERT INTO movements (warehouse_id, kind, reference, reason, created_at)
    SELECT :wh, 'adjustment', 'growth:' || g || ':' || half, 'count', now() - interval '1 day'
      FROM pairs, (VALUES (0), (1)) AS h(half)
    RETURNING id, reference
)
INSERT INTO postings (movement_id, warehouse_id, location_id, is_virtual, owner_id, sku_id, lot, condition, qty)
SELECT m.id, :wh, x.loc, x.virt, :owner, p.sku, '', 'good', x.q
  FROM moved m
  JOIN pairs p ON p.g = split_part(m.reference, ':', 2)::int
  CROSS JOIN LATERAL (VALUES
      (p.loc, false, CASE WHEN split_part(m.reference, ':', 3) = '0' THEN p.q ELSE -p.q END),
      (:adjustment, true, CASE WHEN split_part(m.reference, ':', 3) = '0' THEN -p.q ELSE p.q END)) AS x(loc, virt, q)
"""


def _measure(session_factory, plan, rng, moves: int, queries: int) -> dict:
    from wms.auth.principal import Principal
    from wms.inventory.services import list_stock
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import post_movement

    admin = Principal.system("bench")
    with session_factory() as s:
        started = time.perf_counter()
        for _ in range(moves):
            sku, bins = rng.choice(plan.skus)
            (a, _ca), (b, _cb) = rng.sample(bins, 2)
            post_movement(s, warehouse_id=plan.warehouse_id, kind="move",
                          lines=[PostingLine(a, sku, -1), PostingLine(b, sku, 1)])
        rate = moves / (time.perf_counter() - started)
        times = []
        for _ in range(queries):
            code = f"BN-{rng.randint(1, len(plan.skus)):05d}"
            t = time.perf_counter()
            rows = list_stock(s, admin, sku=code, seller=ledger_bench.SELLER)
            times.append((time.perf_counter() - t) * 1000)
            assert rows
            s.rollback()
    times.sort()
    return {"movements_per_s": round(rate, 1), "stock_query_ms_p50": round(statistics.median(times), 2),
            "stock_query_ms_p99": round(times[int(0.99 * (len(times) - 1))], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preload", type=int, default=1_000_000, help="postings of history to add")
    parser.add_argument("--moves", type=int, default=400)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--skus", type=int, default=500)
    args = parser.parse_args(argv)

    from sqlalchemy import func, select, text
    from sqlalchemy.engine import make_url

    from wms.checks import run_checks
    from wms.db import make_engine, make_sessionmaker
    from wms.ledger.models import Posting

    base = os.environ.get("WMS_BENCH_POSTGRES_URL", ledger_bench.DEFAULT_URL)
    parsed = make_url(base)
    url = parsed.set(database=f"{parsed.database}_growth").render_as_string(hide_password=False)
    ledger_bench.prepare_server(base, [f"{parsed.database}_growth"])
    ledger_bench.reset_database(url)
    plan = ledger_bench.seed(url, args.skus, random.Random(5))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    try:
        empty = _measure(factory, plan, random.Random(1), args.moves, args.queries)
        started = time.monotonic()
        with engine.begin() as conn:
            owner = conn.execute(text("SELECT seller_id FROM skus WHERE id = :id"), {"id": plan.skus[0][0]}).scalar()
            conn.execute(text("CREATE TEMP TABLE bench_bins (n int, loc int, sku int) ON COMMIT DROP"))
            rows = [{"n": i + 1, "loc": bins[0][0], "sku": sku} for i, (sku, bins) in enumerate(plan.skus)]
            conn.execute(text("INSERT INTO bench_bins VALUES (:n, :loc, :sku)"), rows)
            conn.execute(text(PRELOAD_SQL), {"pairs": args.preload // 4, "bins": len(rows), "wh": plan.warehouse_id,
                                             "owner": owner, "adjustment": plan.adjustment_id})
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        preload_s = round(time.monotonic() - started, 1)
        grown = _measure(factory, plan, random.Random(1), args.moves, args.queries)
        with factory() as s:
            postings = s.scalar(select(func.count()).select_from(Posting))
            failed = [r.name for r in run_checks(s) if not r.ok]
    finally:
        engine.dispose()
    report = {
        "postings_after_preload": postings, "preload_seconds": preload_s, "empty": empty, "grown": grown,
        "ratio_grown_to_empty": {
            "movements_per_s": round(grown["movements_per_s"] / empty["movements_per_s"], 2),
            "stock_query_ms_p50": round(grown["stock_query_ms_p50"] / empty["stock_query_ms_p50"], 2),
            "stock_query_ms_p99": round(grown["stock_query_ms_p99"] / empty["stock_query_ms_p99"], 2),
        },
        "loadavg": os.getloadavg()[0], "wms_check_failed": failed,
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).with_name("results") / "growth.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
