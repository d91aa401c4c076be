"""Slotting benchmark: our plan against random, ABC, COI and within-aisle storage.

Instances come from `slotting.solver_instances.generate` (documented there):
a single-block layout of matching size (bays 1 m wide, 0.8 m deep, 2.5 m
aisles, 3 m cross aisles, the pack station on the front cross aisle at the
middle aisle), SKUs with Zipf(1) popularity, four carton sizes, stock of 3-10
days of demand; orders of 1 + Poisson(3) lines (mean 4), either independent
lines (uncorrelated) or mostly inside co-purchase groups of 3-8 SKUs
(correlated, 80% of lines in the order's group); demand counted from the
training orders over 30 days; walking measured on a hold-out sample of 300
orders. The current placement is random. Seeds: the cell's seed plus --seed.

Cells (SKUs / locations): 500 / 1,000 (10 aisles x 25 bays x 2 levels),
5,000 / 10,000 (25 x 50 x 4), 20,000 / 40,000 (40 x 100 x 5); each with and
without correlation. Per cell:

- solve time, and the gap of the min-cost-flow assignment and of the final
  plan (after the affinity search) to the lower bound, in the
  travel-weighted objective;
- walking per order (mean optimal tour, Ratliff-Rosenthal, of the hold-out
  orders picked one at a time) for before (random), random, ABC, COI,
  within-aisle and ours; and with the project's own waves
  (`fulfillment.batching.plan_batches`, carts of 30 units) on the first 100
  hold-out orders;
- re-slotting (correlated cells up to 5,000 SKUs): a plan limited to 5% of
  the SKUs moved, and the share of the full plan's saving it recovers.

Goals (issue 8): within 1% of the bound; correlated demand at least 8% less
walking per order than the best baseline, uncorrelated never more than 1%
worse; 5,000 SKUs x 10,000 locations within 60 s; the 5% re-slotting plan
recovers at least half of the saving.

    python -m bench.slotting [--quick] [--seed N] [--sizes 500,5000,20000] [--demand both|correlated|uncorrelated]

Saves bench/results/slotting-<UTC timestamp>.json and slotting-latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from fulfillment.batching import OrderSpec, plan_batches
from slotting.solver import solve
from slotting.solver_instances import Spec, generate
from wms.facility.rules import LayoutParams

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SIZES = {  # the affinity search's evaluation budget grows with the instance; the time limit is a safety net
    500: dict(layout=LayoutParams(1, 10, 25, 2), train_orders=3000, time_limit_s=120, evaluations=4000,
              orders_per_sku=60, seed=11),
    5000: dict(layout=LayoutParams(1, 25, 50, 4), train_orders=10000, time_limit_s=240, evaluations=30000,
               orders_per_sku=20, seed=12),
    20000: dict(layout=LayoutParams(1, 40, 100, 5), train_orders=20000, time_limit_s=300, evaluations=30000,
                orders_per_sku=20, seed=13),
}
NAMES = ("before", "random", "abc", "coi", "within_aisle", "after")
BASELINES = ("random", "abc", "coi", "within_aisle")


def wave_walk_m(problem, placement: dict[int, tuple[int, ...]], orders, seed: int) -> float:
    """Mean walking per order when the orders are picked in our waves."""
    point = {s.location_id: (s.x_mm, s.y_mm) for s in problem.slots}
    specs = []
    for k, order in enumerate(orders):
        picks = tuple(point[placement[sku][0]] for sku in order if placement.get(sku))
        if picks:
            specs.append(OrderSpec(id=k, picks=picks, units=len(picks)))
    plan = plan_batches(specs, params=problem.layout, depot=problem.depot, capacity_units=30, time_limit_s=10,
                        seed=seed, polish=False)
    return plan.distance_mm / 1000 / len(specs)


def run_cell(size: int, correlated: bool, seed: int, quick: bool) -> dict:
    cfg = SIZES[size]
    spec = Spec(skus=size, layout=cfg["layout"], correlated=correlated, train_orders=cfg["train_orders"],
                eval_orders=300, seed=cfg["seed"] + seed)
    problem = generate(spec, time_limit_s=cfg["time_limit_s"], affinity_evaluations=cfg["evaluations"],
                                affinity_orders_per_sku=cfg["orders_per_sku"])
    started = time.perf_counter()
    plan = solve(problem)
    seconds = time.perf_counter() - started
    walk = plan.walk_per_order_m
    best_name = min(BASELINES, key=lambda k: walk[k])
    cell = {
        "skus": size, "locations": len(problem.slots), "correlated": correlated, "seed": spec.seed,
        "seconds_total": round(seconds, 1), "seconds_solve": plan.stats["assignment_seconds"],
        "seconds_assignment": plan.stats["flow_seconds"],
        "exact_flow": plan.stats["exact"], "arcs": plan.stats["arcs"],
        "affinity_moves": plan.stats.get("affinity_moves", 0),
        "lower_bound": plan.lower_bound, "assignment_cost": plan.stats["assignment_cost"],
        "cost_after": plan.cost_after, "cost_before": plan.cost_before,
        "assignment_gap_pct": round(100 * (plan.stats["assignment_cost"] / plan.lower_bound - 1), 3),
        "final_gap_pct": round(100 * (plan.cost_after / plan.lower_bound - 1), 3),
        "objective": {"before": plan.cost_before, **plan.baselines, "after": plan.cost_after},
        "walk_per_order_m": walk, "best_baseline": best_name,
        "ours_vs_best_pct": round(100 * (walk["after"] / walk[best_name] - 1), 2),
        "unplaced": len(plan.unplaced),
    }
    cell["start"] = plan.stats.get("start")
    cell["plan"] = plan.stats.get("plan")
    cell["affinity_evaluations"] = plan.stats.get("affinity_evaluations", 0)
    if not quick or size <= 500:
        sample = problem.eval_orders[:100]
        # The same instance planned for waves: start and affinity search scored
        # on the training orders in carts of 30 lines (first come, first served).
        wave_problem = generate(spec, time_limit_s=cfg["time_limit_s"], affinity_evaluations=cfg["evaluations"],
                                affinity_orders_per_sku=cfg["orders_per_sku"],
                                batch_units=30)
        wave_plan = solve(wave_problem)
        placements = {**plan.placements, "after_wave_aware": wave_plan.placements["after"]}
        waves = {name: round(wave_walk_m(problem, placements[name], sample, spec.seed), 3)
                 for name in ("random", "abc", "coi", "within_aisle", "after", "after_wave_aware")}
        best_wave = min(BASELINES, key=lambda k: waves[k])
        cell["waves_walk_per_order_m"] = waves
        cell["waves_best_baseline"] = best_wave
        cell["waves_ours_vs_best_pct"] = round(100 * (waves["after"] / waves[best_wave] - 1), 2)
        cell["waves_wave_aware_vs_best_pct"] = round(100 * (waves["after_wave_aware"] / waves[best_wave] - 1), 2)
        cell["wave_aware_plan"] = {"start": wave_plan.stats.get("plan"),
                                   "affinity_moves": wave_plan.stats.get("affinity_moves", 0),
                                   "seconds": wave_plan.stats["seconds"],
                                   "single_order_walk_m": wave_plan.walk_per_order_m["after"]}
    if correlated and size <= 5000:
        limited = generate(spec, time_limit_s=cfg["time_limit_s"], affinity_evaluations=cfg["evaluations"],
                                affinity_orders_per_sku=cfg["orders_per_sku"],
                           max_moves=size * 5 // 100)
        partial = solve(limited)
        cell["reslot_5pct"] = {
            "max_moves": limited.max_moves, "moves": len(partial.moves), "full_moves": len(plan.moves),
            "objective_recovered": round((partial.cost_before - partial.cost_after)
                                         / (plan.cost_before - plan.cost_after), 3),
            "walk_recovered": round((partial.walk_per_order_m["before"] - partial.walk_per_order_m["after"])
                                    / (walk["before"] - walk["after"]), 3),
            "seconds": partial.stats["seconds"], "method": partial.stats.get("reslot_method"),
            "training_walk_m": partial.stats.get("reslot_effort_m"),
        }
    return cell


def print_cell(c: dict) -> None:
    w = c["walk_per_order_m"]
    print(f"\n{c['skus']:,} SKUs / {c['locations']:,} locations, {'correlated' if c['correlated'] else 'uncorrelated'}"
          f": assignment {c['seconds_assignment']} s, solved with the affinity search in {c['seconds_solve']} s "
          f"({c['seconds_total']} s with figures), {c['arcs']:,} arcs"
          f"{' (exact)' if c['exact_flow'] else ' (windowed)'}, plan {c['plan']}, "
          f"{c['affinity_moves']} affinity moves of {c['affinity_evaluations']} evaluations")
    print(f"  gap to bound: assignment {c['assignment_gap_pct']}%, final {c['final_gap_pct']}%")
    print("  walk per order (m): " + ", ".join(f"{k} {w[k]:.2f}" for k in NAMES)
          + f"; ours vs best ({c['best_baseline']}) {c['ours_vs_best_pct']:+.2f}%")
    if "waves_walk_per_order_m" in c:
        ww = c["waves_walk_per_order_m"]
        print("  with our waves (m/order): " + ", ".join(f"{k} {v:.2f}" for k, v in ww.items())
              + f"; ours vs best ({c['waves_best_baseline']}) {c['waves_ours_vs_best_pct']:+.2f}%"
              + f", wave-aware plan {c['waves_wave_aware_vs_best_pct']:+.2f}%"
              + f" (start {c['wave_aware_plan']['start']}, {c['wave_aware_plan']['affinity_moves']} affinity moves)")
    if "reslot_5pct" in c:
        r = c["reslot_5pct"]
        print(f"  re-slotting with {r['max_moves']} moves ({r['moves']} used, full plan {r['full_moves']}): "
              f"{100 * r['objective_recovered']:.0f}% of the objective saving, "
              f"{100 * r['walk_recovered']:.0f}% of the walking saving ({r['seconds']} s; {r['method']} kept, "
              f"training walk per order {r['training_walk_m']})")


def goals(cells: list[dict]) -> dict:
    out = {}
    gaps = [c["assignment_gap_pct"] for c in cells]
    out["assignment within 1% of the bound"] = {"measured": f"max {max(gaps):.3f}%", "met": max(gaps) <= 1.0}
    final = [c["final_gap_pct"] for c in cells]
    out["final plan within 1% of the bound"] = {"measured": f"max {max(final):.3f}%", "met": max(final) <= 1.0}
    corr = [c["ours_vs_best_pct"] for c in cells if c["correlated"]]
    if corr:
        out["correlated: >= 8% less walking than the best baseline"] = {
            "measured": ", ".join(f"{v:+.2f}%" for v in corr), "met": max(corr) <= -8.0}
    unc = [c["ours_vs_best_pct"] for c in cells if not c["correlated"]]
    if unc:
        out["uncorrelated: at most 1% worse than the best baseline"] = {
            "measured": ", ".join(f"{v:+.2f}%" for v in unc), "met": max(unc) <= 1.0}
    big = [c["seconds_assignment"] for c in cells if c["skus"] == 5000]
    if big:
        out["5,000 x 10,000 assignment within 60 s"] = {"measured": ", ".join(f"{v} s" for v in big),
                                                         "met": max(big) <= 60}
    wav = [c["waves_wave_aware_vs_best_pct"] for c in cells if "waves_wave_aware_vs_best_pct" in c]
    if wav:
        out["waves: the wave-aware plan walks no more than the best baseline"] = {
            "measured": ", ".join(f"{v:+.2f}%" for v in wav), "met": max(wav) <= 0.0}
    rec = [c["reslot_5pct"]["walk_recovered"] for c in cells if "reslot_5pct" in c]
    if rec:
        out["5% re-slotting recovers half the walking saving"] = {
            "measured": ", ".join(f"{100 * v:.0f}%" for v in rec), "met": min(rec) >= 0.5}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 and 5,000 SKUs, waves only at 500")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sizes", default=None, help="comma-separated SKU counts among 500,5000,20000")
    ap.add_argument("--demand", choices=("both", "correlated", "uncorrelated"), default="both")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([500, 5000] if args.quick else list(SIZES))
    import ortools

    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    cells = []
    for size in sizes:
        for correlated in {"both": (True, False), "correlated": (True,), "uncorrelated": (False,)}[args.demand]:
            cell = run_cell(size, correlated, args.seed, args.quick)
            print_cell(cell)
            cells.append(cell)
    met = goals(cells)
    print("\nGoals")
    for name, g in met.items():
        print(f"  {'met   ' if g['met'] else 'MISSED'}  {name}: {g['measured']}")
    report = {
        "benchmark": "slotting", "timestamp": stamp, "seed": args.seed, "quick": args.quick,
        "total_s": round(time.perf_counter() - started, 1),
        "machine": {"python": platform.python_version(), "ortools": ortools.__version__, "cpus": os.cpu_count(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "cells": cells, "goals": met,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2)
    (RESULTS_DIR / f"slotting-{stamp}.json").write_text(text)
    (RESULTS_DIR / "slotting-latest.json").write_text(text)
    print(f"\nSaved bench/results/slotting-{stamp}.json ({report['total_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
