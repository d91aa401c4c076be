"""Bulk posting against one-by-one posting, in the same run (issue 12).

A pallet is PALLET receipt movements (one per carton: inbound -> dock, one
SKU each) in one transaction. The same pallets are posted alternately by
`post_movement` in a loop (one round trip per movement) and by
`post_movements` (on PostgreSQL one round trip for the pallet: psycopg's
pipeline mode), one process, on a database of its own
(WMS_BENCH_POSTGRES_URL's name + "_bulk"). Prints movements/s of both and
their ratio, and checks `wms check` afterwards.

    python -m bench.bulk [--pallets 40] [--pallet-size 40]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pallets", type=int, default=40, help="pallets per way (default 40)")
    parser.add_argument("--pallet-size", type=int, default=40, help="movements per pallet (default 40)")
    parser.add_argument("--skus", type=int, default=200)
    args = parser.parse_args(argv)

    from sqlalchemy.engine import make_url

    from wms.checks import run_checks
    from wms.db import make_engine, make_sessionmaker, transaction
    from wms.facility.services import station, virtual_location
    from wms.ledger.rules import PostingLine
    from wms.ledger.services import MovementSpec, post_movement, post_movements

    base = os.environ.get("WMS_BENCH_POSTGRES_URL", ledger_bench.DEFAULT_URL)
    parsed = make_url(base)
    url = parsed.set(database=f"{parsed.database}_bulk").render_as_string(hide_password=False)
    ledger_bench.prepare_server(base, [f"{parsed.database}_bulk"])
    ledger_bench.reset_database(url)
    plan = ledger_bench.seed(url, args.skus, random.Random(7))
    engine = make_engine(url)
    rng = random.Random(11)
    timings: dict[str, list[float]] = {"one_by_one": [], "bulk": []}
    try:
        with make_sessionmaker(engine)() as s:
            inbound = virtual_location(s, plan.warehouse_id, "inbound").id
            dock = station(s, plan.warehouse_id, "dock").id
            s.commit()
            sku_ids = [sku for sku, _bins in plan.skus]

            def pallet() -> list[MovementSpec]:
                return [MovementSpec(plan.warehouse_id, "receipt",
                                     [PostingLine(inbound, sku, -q), PostingLine(dock, sku, q)], reference="pallet")
                        for sku, q in ((rng.choice(sku_ids), rng.randint(1, 12)) for _ in range(args.pallet_size))]

            for i in range(args.pallets * 2 + 2):
                specs = pallet()
                way = "bulk" if i % 2 else "one_by_one"
                started = time.perf_counter()
                if way == "bulk":
                    post_movements(s, specs)
                else:
                    with transaction(s):
                        for spec in specs:
                            post_movement(s, warehouse_id=spec.warehouse_id, kind=spec.kind, lines=spec.lines,
                                          reference=spec.reference)
                elapsed = time.perf_counter() - started
                if i >= 2:  # the first pallet of each way warms up
                    timings[way].append(elapsed)
            failed = [r.name for r in run_checks(s) if not r.ok]
    finally:
        engine.dispose()
    rate = {way: args.pallet_size / statistics.median(t) for way, t in timings.items()}
    report = {
        "pallets_per_way": args.pallets, "pallet_size": args.pallet_size,
        "movements_per_s": {way: round(r, 1) for way, r in rate.items()},
        "ratio_bulk_to_one_by_one": round(rate["bulk"] / rate["one_by_one"], 2),
        "pallet_ms_median": {way: round(statistics.median(t) * 1000, 1) for way, t in timings.items()},
        "loadavg": os.getloadavg()[0], "wms_check_failed": failed,
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).with_name("results") / "bulk.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
