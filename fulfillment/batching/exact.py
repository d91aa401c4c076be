"""The exact batching: every batch that fits priced with its exact route,
then set partitioning solved exactly (dynamic programming over subsets of
orders, or CP-SAT, which the search also uses to polish its plan)."""
from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from fulfillment.batching.problem import BatchPlan, OrderSpec, _fcfs, _plan, _Problem
from fulfillment.routing import Point
from wms.facility.rules import LayoutParams


def _set_partition(problem: _Problem, columns: Sequence[tuple[int, ...]], costs: Sequence[int], *,
                   time_limit_s: float, seed: int, hint: Sequence[tuple[int, ...]] | None = None):
    """Choose columns covering every order exactly once at least cost:
    (chosen columns, objective, bound, proven optimal)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"b{k}") for k in range(len(columns))]
    covering: dict[int, list] = {i: [] for i in range(len(problem.orders))}
    for x, col in zip(xs, columns, strict=True):
        for i in col:
            covering[i].append(x)
    for i, lits in covering.items():
        if not lits:
            raise ValueError(f"order {problem.orders[i].id} is in no batch")
        model.add_exactly_one(lits)
    model.minimize(sum(int(c) * x for c, x in zip(costs, xs, strict=True)))
    if hint:
        chosen = set(hint)
        for x, col in zip(xs, columns, strict=True):
            model.add_hint(x, col in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(time_limit_s, 0.01)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [col for x, col in zip(xs, columns, strict=True) if solver.boolean_value(x)]
    return chosen, int(round(solver.objective_value)), int(math.ceil(solver.best_objective_bound - 1e-6)), (
        status == cp_model.OPTIMAL
    )


def _partition_dp(n: int, columns: Sequence[tuple[int, ...]], costs: Sequence[int]) -> list[tuple[int, ...]]:
    """Exact set partitioning by dynamic programming over subsets of the n
    orders: best[S] = min over columns c holding the lowest order of S, c
    within S, of cost(c) + best[S - c]; sets are processed by their lowest
    order, highest first, so best[S - c] is final when it is used."""
    full = (1 << n) - 1
    best = np.full(full + 1, np.iinfo(np.int64).max // 4, dtype=np.int64)
    best[0] = 0
    choice = np.full(full + 1, -1, dtype=np.int64)
    masks = [sum(1 << i for i in c) for c in columns]
    by_lowest: dict[int, list[int]] = {}
    for k, c in enumerate(columns):
        by_lowest.setdefault(min(c), []).append(k)
    for low in range(n - 1, -1, -1):
        rest = np.arange(1 << (n - 1 - low), dtype=np.int64) << (low + 1)  # subsets of the orders after low
        for k in by_lowest.get(low, ()):
            m = masks[k]
            t = rest[(rest & m) == 0]
            s = t | m
            new = best[t] + costs[k]
            better = new < best[s]
            best[s[better]] = new[better]
            choice[s[better]] = k
    chosen = []
    s = full
    while s:
        k = int(choice[s])
        if k < 0:
            raise ValueError("some order is in no batch that fits")
        chosen.append(columns[k])
        s ^= masks[k]
    return chosen


def exact_batches(
    orders: Sequence[OrderSpec],
    *,
    params: LayoutParams,
    depot: Point,
    capacity_units: int,
    capacity_volume_mm3: int | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    due_window: float | None = None,
    max_orders: int = 20,
    max_batches: int = 300_000,
    solver: str = "auto",
) -> BatchPlan:
    """The proven optimum for small instances: every batch that fits (within
    a due group) priced with its exact optimal route, then the set
    partitioning problem over these batches solved exactly: by dynamic
    programming over subsets of orders (solver="subset-dp", the default up
    to 16 orders: deterministic, seconds at most), or by CP-SAT (solver=
    "cp-sat": one worker, the seed, time_limit_s of deterministic time; if it
    stops before proving optimality, optimal is False and lower_bound_mm is
    its bound)."""
    if len(orders) > max_orders:
        raise ValueError(f"exact batching is for at most {max_orders} orders, got {len(orders)}")
    started = time.perf_counter()
    problem = _Problem(orders, params, depot, capacity_units, capacity_volume_mm3, due_window, seed=seed,
                       exact_routes=True)
    if not problem.orders:
        return _plan(problem, [], "exact-set-partitioning", lower=0, optimal=True)
    columns: list[tuple[int, ...]] = []
    for group in problem.groups:
        def extend(start: int, cur: list[int], u: int, v: int, group=group) -> None:
            for k in range(start, len(group)):
                i = group[k]
                if problem.fits(u + problem.units[i], v + problem.volume[i]):
                    cur.append(i)
                    columns.append(tuple(sorted(cur)))
                    if len(columns) > max_batches:
                        raise ValueError(f"more than {max_batches} feasible batches: too large for exact batching")
                    extend(k + 1, cur, u + problem.units[i], v + problem.volume[i])
                    cur.pop()

        extend(0, [], 0, 0)
    costs = problem.cost(columns)
    if solver == "auto":
        solver = "subset-dp" if len(problem.orders) <= 16 else "cp-sat"
    if solver == "subset-dp":
        chosen = _partition_dp(len(problem.orders), columns, costs)
        bound, proven = int(sum(problem.cost(chosen))), True
    elif solver == "cp-sat":
        found = _set_partition(problem, columns, costs, time_limit_s=time_limit_s, seed=seed, hint=_fcfs(problem))
        if found is None:
            raise TimeoutError("CP-SAT found no batching within the time limit")
        chosen, _, bound, proven = found
    else:
        raise ValueError(f"unknown solver {solver!r}: use 'auto', 'subset-dp' or 'cp-sat'")
    stats = {"seed": seed, "columns": len(columns), "solver": solver, "time_s": round(time.perf_counter() - started, 4)}
    return _plan(problem, chosen, "exact-set-partitioning", lower=bound, optimal=proven, stats=stats)
