"""The batching problem: orders, carts and due groups, the plan returned
with its baselines (first come first served, one order at a time), and a
proven lower bound."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from fulfillment.batching.pricing import (
    _Costs,
    _GridPricer,
    _optimal_length,
    _proxy_length,
    _RoutePricer,
)
from fulfillment.routing import OffNetwork, Point
from wms.facility.rules import LayoutParams


@dataclass(frozen=True)
class OrderSpec:
    """An order to batch: its pick points, its size and its ship-by time
    (a number, earlier first; None: no cut-off)."""

    id: int
    picks: tuple[tuple[int, int], ...]
    units: int
    volume_mm3: int = 0
    due: float | None = None


@dataclass(frozen=True)
class BatchPlan:
    """Batches of order ids, earliest due group first, with the figures that
    justify them. distance_mm is the sum of the batches' optimal routes
    (batch_distances_mm, in batch order); fcfs_distance_mm and
    single_order_distance_mm are the baselines under the same routing;
    savings_distance_mm is the savings construction before local search
    (single-block layouts; None otherwise); lower_bound_mm a proven lower
    bound on the best plan under the same due-group rule (exact_batches: the
    optimum or CP-SAT's bound; plan_batches on a single block: a weak bound,
    see _lower_bound; None otherwise); optimal whether the plan is proven
    optimal; stats how the search went (seed, mode, time, why it stopped)."""

    batches: list[list[int]]
    distance_mm: int
    fcfs_distance_mm: int
    single_order_distance_mm: int
    method: str
    batch_distances_mm: list[int] = field(default_factory=list)
    savings_distance_mm: int | None = None
    lower_bound_mm: int | None = None
    optimal: bool = False
    stats: dict = field(default_factory=dict)


class _Problem:
    def __init__(self, orders: Sequence[OrderSpec], params: LayoutParams, depot: Point, capacity_units: int,
                 capacity_volume_mm3: int | None, due_window: float | None, route_time_limit_s: float = 1.0,
                 seed: int = 0, exact_routes: bool = False):
        self.orders = list(orders)
        self.params = params
        self.depot = tuple(depot)
        self.cap_u = capacity_units
        self.cap_v = capacity_volume_mm3
        if capacity_units is None or capacity_units <= 0:
            raise ValueError("capacity_units must be positive")
        if capacity_volume_mm3 is not None and capacity_volume_mm3 <= 0:
            raise ValueError("capacity_volume_mm3 must be positive")
        seen = set()
        for o in self.orders:
            if o.id in seen:
                raise ValueError(f"order {o.id} appears twice")
            seen.add(o.id)
            if o.units < 0 or o.volume_mm3 < 0:
                raise ValueError(f"order {o.id} has a negative size")
            if o.units > capacity_units:
                raise ValueError(f"order {o.id} needs {o.units} units, more than a cart holds ({capacity_units})")
            if capacity_volume_mm3 is not None and o.volume_mm3 > capacity_volume_mm3:
                raise ValueError(
                    f"order {o.id} needs {o.volume_mm3} mm3, more than a cart holds ({capacity_volume_mm3})"
                )
        self.units = [o.units for o in self.orders]
        self.volume = [o.volume_mm3 for o in self.orders]
        self.points = [[tuple(p) for p in o.picks] for o in self.orders]
        self.groups = _due_groups(self.orders, due_window)
        self.group_of = {}
        for g, members in enumerate(self.groups):
            for i in members:
                self.group_of[i] = g
        pricer = None
        final = None
        if params.blocks == 1 or not exact_routes:
            try:
                pricer = _GridPricer(params, self.depot, self.points)
            except OffNetwork:
                pricer = None
        if pricer is not None and not pricer.exact:  # multi-block: search on the proxy, report optimal routes
            final = _RoutePricer(_optimal_length(params, self.depot, route_time_limit_s, seed), self.points, False)
        elif pricer is None:
            if exact_routes:
                pricer = _RoutePricer(_optimal_length(params, self.depot, route_time_limit_s, seed, exact=True),
                                      self.points, True)
            elif params.blocks == 1:  # points off the aisle network: route every set
                pricer = _RoutePricer(_optimal_length(params, self.depot, route_time_limit_s, seed), self.points,
                                      False)
            else:  # search on the best heuristic walk, report optimal routes
                pricer = _RoutePricer(_proxy_length(params, self.depot), self.points, False)
                final = _RoutePricer(_optimal_length(params, self.depot, route_time_limit_s, seed), self.points,
                                     False)
        self.cost = _Costs(pricer)
        self.final_cost = _Costs(final) if final is not None else self.cost

    def fits(self, units: int, volume: int) -> bool:
        return units <= self.cap_u and (self.cap_v is None or volume <= self.cap_v)

    def fits_set(self, members: Sequence[int]) -> bool:
        return self.fits(sum(self.units[i] for i in members), sum(self.volume[i] for i in members))


def _due_groups(orders: Sequence[OrderSpec], due_window: float | None) -> list[list[int]]:
    keys: dict[tuple, list[int]] = {}
    for i, o in enumerate(orders):
        if o.due is None:
            key = (1, 0.0)
        elif due_window:
            key = (0, math.floor(o.due / due_window))
        else:
            key = (0, float(o.due))
        keys.setdefault(key, []).append(i)
    return [keys[k] for k in sorted(keys)]


def _plan(problem: _Problem, batches: list[tuple[int, ...]], method: str, *, savings: int | None = None,
          lower: int | None = None, optimal: bool = False, stats: dict | None = None) -> BatchPlan:
    batches = _ordered(problem, batches)
    dists = problem.final_cost(batches)
    fcfs = problem.final_cost(_fcfs(problem))
    single = problem.final_cost([(i,) for i in range(len(problem.orders))])
    return BatchPlan(
        batches=[[problem.orders[i].id for i in b] for b in batches],
        distance_mm=int(sum(dists)),
        fcfs_distance_mm=int(sum(fcfs)),
        single_order_distance_mm=int(sum(single)),
        method=method,
        batch_distances_mm=[int(d) for d in dists],
        savings_distance_mm=savings,
        lower_bound_mm=lower,
        optimal=optimal,
        stats=stats or {},
    )


def _ordered(problem: _Problem, batches: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """Batches sorted by due group, then by their first order's arrival."""
    out = [tuple(sorted(b)) for b in batches if b]
    return sorted(out, key=lambda b: (problem.group_of[b[0]], b[0]))


def _fcfs(problem: _Problem) -> list[tuple[int, ...]]:
    """First come, first served: fill a cart with the orders in arrival order,
    starting a new one when the next order does not fit (per due group)."""
    out = []
    for group in problem.groups:
        cur: list[int] = []
        u = v = 0
        for i in group:
            if cur and not problem.fits(u + problem.units[i], v + problem.volume[i]):
                out.append(tuple(cur))
                cur, u, v = [], 0, 0
            cur.append(i)
            u += problem.units[i]
            v += problem.volume[i]
        if cur:
            out.append(tuple(cur))
    return out


def _lower_bound(problem: _Problem) -> int | None:
    """A proven (weak) lower bound on any plan under the same due-group rule,
    per due group the larger of: one optimal tour through all the group's
    picks (the plan's tours, joined at the depot, are such a tour); and,
    as a tour is never shorter than the tour of any of its orders and the
    group needs at least k carts (units, volume), the longest single-order
    tour plus the k - 1 shortest other ones."""
    if not (isinstance(problem.cost.pricer, _GridPricer) and problem.cost.pricer.exact):
        return None
    total = 0
    for group, together in zip(problem.groups, problem.cost([tuple(g) for g in problem.groups]), strict=True):
        alone = sorted(problem.cost([(i,) for i in group]))
        carts = math.ceil(sum(problem.units[i] for i in group) / problem.cap_u)
        if problem.cap_v:
            carts = max(carts, math.ceil(sum(problem.volume[i] for i in group) / problem.cap_v))
        carts = max(1, min(carts, len(alone)))
        total += max(together, alone[-1] + sum(alone[:carts - 1]))
    return int(total)


def fcfs_batches(
    orders: Sequence[OrderSpec],
    *,
    params: LayoutParams,
    depot: Point,
    capacity_units: int,
    capacity_volume_mm3: int | None = None,
    time_limit_s: float = 5.0,
    seed: int = 0,
    due_window: float | None = None,
) -> BatchPlan:
    """Baseline: first come, first served within due groups."""
    problem = _Problem(orders, params, depot, capacity_units, capacity_volume_mm3, due_window, seed=seed)
    return _plan(problem, _fcfs(problem), "fcfs")


def single_order_batches(
    orders: Sequence[OrderSpec],
    *,
    params: LayoutParams,
    depot: Point,
    capacity_units: int,
    capacity_volume_mm3: int | None = None,
    time_limit_s: float = 5.0,
    seed: int = 0,
    due_window: float | None = None,
) -> BatchPlan:
    """Baseline: every order picked alone."""
    problem = _Problem(orders, params, depot, capacity_units, capacity_volume_mm3, due_window, seed=seed)
    return _plan(problem, [(i,) for g in problem.groups for i in g], "single-order")
