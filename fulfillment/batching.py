"""Order batching (waves): which orders a picker collects together on one cart
tour. Plain data in, plain data out.

Each batch is walked on its optimal route (`fulfillment.routing`), so the
cost of a set of orders is the optimal tour through all their pick points.
Carts have a capacity in units and optionally in volume; an order that does
not fit an empty cart is an error (ValueError) for the caller to split.

Cut-off times: orders are sorted by their due time into due groups (orders
with the same due time, or with due_window set the same window
floor(due / due_window); orders without a due time come last). A batch never
mixes due groups and batches are listed group by group, earliest due first,
so an order is never picked after an order due later than it. Within a due
group the plan minimises walking. The baselines follow the same rule.

`plan_batches` (ours):

1. Clarke & Wright savings, variant (ii) (de Koster et al. 1999): start with
   one batch per order; repeatedly merge the two batches whose merge saves
   the most walking, savings = d(A) + d(B) - d(A + B) with exact route
   lengths, recomputed against every other batch after each merge; only
   merges that fit the cart. For groups larger than `full_savings_limit`
   orders the candidate partners are restricted to batches holding one of
   each order's `neighbours` nearest orders (by how far it reaches into each
   aisle from either end), which keeps the construction near linear.
2. Local search: in seeded random order, for each order the best move among
   shifting it to another batch and swapping it with an order of another
   batch (same due group, capacity kept), applied when the total optimal
   walking drops; passes repeat over the orders whose batch changed (with
   the full neighbourhood a last pass over all orders confirms the local
   optimum), up to `max_passes`. Then exact repacking (`repack`): for pairs
   of batches the best way to load their orders on one or two carts, and
   for triples that could fit on two carts the best way to do so, which
   empties carts that shift and swap cannot; followed by local search on
   what changed, until nothing improves.
3. Polish (`polish`, default for up to `polish_limit` orders): the batches
   priced so far that save most for each order (`polish_columns` per order)
   become the columns of a set partitioning model solved by CP-SAT (one
   worker, the seed, `polish_time_s` of deterministic time), hinted with the
   current plan, so it can only improve it.
4. Should FCFS still be shorter (it never was in our benchmarks), the FCFS
   batches are returned (method "fcfs").

The time limit stops the search (local search and repacking; the savings
construction always completes, the polish runs if time is left); the
result is deterministic
for a seed unless the time limit cuts the search short (stats["stopped"]
says why it stopped). Single-block layouts are priced exactly and
vectorised (the Ratliff-Rosenthal program run on numpy arrays over many
candidate batches at once, a few microseconds per batch); multi-block
layouts are priced during the search by the same program on tours that use
only the front and back cross aisles (real tours, a fast proxy), and the
final batches and the FCFS and single-order baselines by `optimal_route`
(OR-Tools, one call per batch).

`exact_batches` enumerates every batch that fits, prices each with the exact
route and solves the set partitioning problem exactly (dynamic programming
over subsets of orders up to 16 orders, CP-SAT beyond): the proven optimum
under the same due-group rule (small instances only).
"""
from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from fulfillment import routing
from fulfillment.routing import (
    _FINAL,
    _HORIZ,
    _STATES,
    _VERT,
    CLOSED,
    EMPTY,
    OffNetwork,
    Point,
    column_costs,
)
from wms.facility.rules import LayoutParams

# --- data ----------------------------------------------------------------------


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


# --- pricing: optimal route length of a set of orders ------------------------------------


class _GridPricer:
    """Optimal tour lengths of many pick sets at once in a single-block layout:
    the Ratliff-Rosenthal program run on numpy arrays, one column per
    candidate set. In a multi-block layout it prices tours that use only the
    front and back cross aisles (each aisle walked as one long aisle): real
    tours, an upper bound on the optimum, used as a fast proxy."""

    def __init__(self, params: LayoutParams, depot: Point, order_points: Sequence[Sequence[Point]]):
        cross = params.cross_aisle_ys()
        lo, hi = cross[0], cross[-1]
        self.exact = params.blocks == 1
        self.lo, self.hi, self.length = lo, hi, hi - lo
        xs = [params.aisle_x(a) for a in range(1, params.aisles + 1)]
        column_of = {x: i for i, x in enumerate(xs)}
        levels = sorted({y for pts in order_points for _, y in pts} | {depot[1]})
        level_of = {y: i for i, y in enumerate(levels)}
        # Levels are measured from just before the front cross aisle, so that every level is > 0.
        self.levels = np.array(levels, dtype=np.int64) - lo + 1
        n = len(order_points)
        occ = np.zeros((n + 1, len(xs), len(levels)), dtype=bool)  # row n: no picks
        for i, pts in enumerate(order_points):
            for x, y in pts:
                if x not in column_of or not lo <= y <= hi:
                    raise OffNetwork(f"point {(x, y)} is not on an aisle centre line")
                occ[i, column_of[x], level_of[y]] = True
        self.aisles = len(xs)
        self.packed = np.packbits(occ, axis=2, bitorder="little")  # (orders + 1, aisles, bytes)
        self.depot_occ = None
        columns: list[tuple[int, int | None, np.ndarray | None]] = [(x, i, None) for i, x in enumerate(xs)]
        dx, dy = depot
        if dx in column_of and lo <= dy <= hi:
            depot_occ = np.zeros((len(xs), len(levels)), dtype=bool)
            depot_occ[column_of[dx], level_of[dy]] = True
            self.depot_occ = np.packbits(depot_occ, axis=1, bitorder="little")
        elif dy in (lo, hi):
            costs = np.array(column_costs(lo, hi, [dy], aisle=False), dtype=np.float64)
            columns.append((dx, None, costs))
            columns.sort(key=lambda c: c[0])
        else:
            raise OffNetwork(f"depot {depot} is not on the aisle network")
        self.columns = columns
        self.vidx = [np.array([s * 6 + o for s in range(7) for o, t2 in _VERT[s] if t2 == t], dtype=np.intp)
                     for t in range(7)]
        self.hmats = []
        for j in range(len(columns)):
            m = np.full((7, 7), np.inf)
            if j + 1 < len(columns):
                gap = columns[j + 1][0] - columns[j][0]
                for s in range(7):
                    for mult, _, _, t in _HORIZ[s]:
                        m[s, t] = min(m[s, t], mult * gap)
            else:
                for s in range(7):
                    if _FINAL[s] is not None:
                        m[s, CLOSED] = 0
            self.hmats.append(m)
        assert len(_STATES) == 7

    def price(self, sets: Sequence[Sequence[int]]) -> np.ndarray:
        out = np.empty(len(sets), dtype=np.int64)
        if not len(sets):
            return out
        longest = max(1, max(len(s) for s in sets))
        empty = self.packed.shape[0] - 1
        step = 20_000
        for start in range(0, len(sets), step):
            chunk = sets[start:start + step]
            lens = np.fromiter(map(len, chunk), dtype=np.intp, count=len(chunk))
            flat = np.fromiter(itertools.chain.from_iterable(chunk), dtype=np.intp, count=int(lens.sum()))
            members = np.full((len(chunk), longest), empty, dtype=np.intp)
            offsets = np.repeat(np.cumsum(lens) - lens, lens)
            members[np.repeat(np.arange(len(chunk)), lens), np.arange(len(flat)) - offsets] = flat
            out[start:start + len(chunk)] = self._lengths(members)
        return out

    def _lengths(self, members: np.ndarray) -> np.ndarray:
        k = members.shape[0]
        bits = np.bitwise_or.reduce(self.packed[members], axis=1)  # (K, aisles, bytes): the union of the orders
        if self.depot_occ is not None:
            bits |= self.depot_occ
        y = self.levels
        p = len(y)
        occ = np.unpackbits(bits, axis=2, count=p, bitorder="little").view(bool)
        occ = np.ascontiguousarray(occ.reshape(k * self.aisles, p).T)  # (levels, K * aisles)
        yc = y[:, None]
        # Highest level so far (0: none yet; levels are > 0), and the largest gap between consecutive levels.
        run = occ[0] * y[0]
        maxgap = np.zeros_like(run)
        for i in np.flatnonzero(occ.any(axis=1)).tolist():
            if i == 0:
                continue
            o = occ[i]
            np.maximum(maxgap, (y[i] - run) * (o & (run > 0)), out=maxgap)
            np.maximum(run, o * y[i], out=run)
        big = np.int64(1) << 40
        has = run > 0
        ymax = run
        ymin = (occ * (yc - big)).min(axis=0) + big
        has, ymax, ymin, maxgap = (a.reshape(k, self.aisles).T for a in (has, ymax, ymin, maxgap))
        inf = np.inf
        length = self.length
        w = np.empty((self.aisles, 6, k))
        w[:, 0] = np.where(has, inf, 0)
        w[:, 1] = length
        w[:, 2] = 2 * length
        w[:, 3] = np.where(has, 2 * (self.length + 1 - ymin), inf)
        w[:, 4] = np.where(has, 2 * (ymax - 1), inf)
        w[:, 5] = np.where(maxgap > 0, 2 * (length - maxgap), inf)
        # Columns left of every candidate's first required column or right of its last change nothing.
        used = has.any(axis=1)
        keep = [j for j, (_, a, _) in enumerate(self.columns) if a is None or used[a]]
        lo_j, hi_j = keep[0], keep[-1]
        v = np.full((7, k), inf)
        v[EMPTY] = 0
        nv = np.empty((7, k))
        for j in range(lo_j, hi_j + 1):
            _, a, fixed = self.columns[j]
            wc = w[a] if a is not None else fixed[:, None]
            cand = (v[:, None, :] + wc[None, :, :]).reshape(42, k)
            for t in range(7):
                nv[t] = cand[self.vidx[t]].min(axis=0)
            hm = self.hmats[j] if j < hi_j else self.hmats[-1]
            v = (nv[:, None, :] + hm[:, :, None]).min(axis=0)
        return np.rint(v[CLOSED]).astype(np.int64)


class _RoutePricer:
    """One route per set, by a function of the pick points."""

    def __init__(self, fn: Callable[[list[Point]], int], order_points: Sequence[Sequence[Point]], exact: bool):
        self.fn = fn
        self.points = order_points
        self.exact = exact

    def price(self, sets: Sequence[Sequence[int]]) -> np.ndarray:
        return np.array([self.fn([p for i in s for p in self.points[i]]) for s in sets], dtype=np.int64)


class _Costs:
    """Cached prices of sets of orders (tuples of sorted order indices)."""

    def __init__(self, pricer, limit: int = 1_000_000):
        self.pricer = pricer
        self.cache: dict[tuple[int, ...], int] = {}
        self.limit = limit
        self.priced = 0

    def __call__(self, sets: Sequence[tuple[int, ...]]) -> list[int]:
        cache = self.cache
        missing = list(dict.fromkeys(s for s in sets if s not in cache))
        if missing:
            if len(cache) + len(missing) > self.limit:
                cache.clear()
                missing = list(dict.fromkeys(sets))
            self.priced += len(missing)
            for s, d in zip(missing, self.pricer.price(missing).tolist(), strict=True):
                cache[s] = d
        return [cache[s] for s in sets]


def _proxy_length(params: LayoutParams, depot: Point) -> Callable[[list[Point]], int]:
    def length(points: list[Point]) -> int:
        if not points:
            return 0
        try:
            return routing.best_heuristic_route(params, depot, points).distance_mm
        except ValueError:
            return routing.optimal_route(params, depot, points, solution_limit=10).distance_mm

    return length


def _optimal_length(params: LayoutParams, depot: Point, time_limit_s: float, seed: int,
                    exact: bool = False) -> Callable[[list[Point]], int]:
    def length(points: list[Point]) -> int:
        return routing.optimal_route(params, depot, points, time_limit_s=time_limit_s, seed=seed,
                                     exact=exact).distance_mm

    return length


# --- the problem -------------------------------------------------------------------


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


# --- savings -------------------------------------------------------------------------


def _features(problem: _Problem, group: Sequence[int]) -> np.ndarray:
    """Per order and aisle: how far it reaches into the aisle from each end."""
    params = problem.params
    cross = params.cross_aisle_ys()
    lo, hi = cross[0], cross[-1]
    xs = {params.aisle_x(a): a - 1 for a in range(1, params.aisles + 1)}
    feats = np.zeros((len(group), 2 * params.aisles + 1), dtype=np.float32)
    span = float(max(hi - lo, 1))
    pitch = float(params.aisle_pitch_mm)
    for r, i in enumerate(group):
        for x, y in problem.points[i]:
            a = xs.get(x)
            if a is None:
                feats[r, -1] = max(feats[r, -1], abs(x - problem.depot[0]) / pitch)
                continue
            feats[r, 2 * a] = max(feats[r, 2 * a], (y - lo) / span)
            feats[r, 2 * a + 1] = max(feats[r, 2 * a + 1], (hi - y) / span)
    return feats


def _neighbours(problem: _Problem, group: Sequence[int], k: int) -> dict[int, list[int]]:
    feats = _features(problem, group)
    norms = (feats * feats).sum(axis=1)
    k = min(k, len(group) - 1)
    out: dict[int, list[int]] = {}
    for start in range(0, len(group), 512):
        block = feats[start:start + 512]
        d = norms[start:start + 512, None] + norms[None, :] - 2 * block @ feats.T
        for r in range(len(block)):
            d[r, start + r] = np.inf
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((len(block), 0), dtype=int)
        for r in range(len(block)):
            row = sorted(nearest[r].tolist(), key=lambda c, r=r: (d[r, c], c))
            out[group[start + r]] = [group[c] for c in row]
    return out


def _savings(problem: _Problem, group: Sequence[int], neighbours: dict[int, list[int]] | None,
             counters: dict) -> list[tuple[int, ...]]:
    """Clarke-Wright savings (ii) within one due group."""
    members: dict[int, tuple[int, ...]] = {}
    units: dict[int, int] = {}
    volume: dict[int, int] = {}
    dist: dict[int, int] = {}
    batch_of: dict[int, int] = {}
    for bid, i in enumerate(group):
        members[bid] = (i,)
        units[bid] = problem.units[i]
        volume[bid] = problem.volume[i]
        batch_of[i] = bid
    for bid, d in zip(members, problem.cost([members[b] for b in members]), strict=True):
        dist[bid] = d
    active = set(members)
    heap: list[tuple[int, int, int, int]] = []

    def push(pairs: list[tuple[int, int]]) -> None:
        pairs = [(a, b) for a, b in pairs if problem.fits(units[a] + units[b], volume[a] + volume[b])]
        if not pairs:
            return
        unions = [tuple(sorted(members[a] + members[b])) for a, b in pairs]
        for (a, b), d in zip(pairs, problem.cost(unions), strict=True):
            heapq.heappush(heap, (d - dist[a] - dist[b], a, b, d))

    if neighbours is None:
        push([(a, b) for a, b in itertools.combinations(sorted(members), 2)])
    else:
        pairs = {(min(batch_of[i], batch_of[j]), max(batch_of[i], batch_of[j])) for i in group
                 for j in neighbours[i]}
        push(sorted(pairs))
    next_id = len(group)
    while heap:
        neg, a, b, d = heapq.heappop(heap)
        if a not in active or b not in active:
            continue
        z = next_id
        next_id += 1
        members[z] = tuple(sorted(members[a] + members[b]))
        units[z] = units[a] + units[b]
        volume[z] = volume[a] + volume[b]
        dist[z] = d
        active -= {a, b}
        for i in members[z]:
            batch_of[i] = z
        counters["merges"] = counters.get("merges", 0) + 1
        if neighbours is None:
            partners = sorted(active)
        else:
            partners = sorted({batch_of[j] for i in members[z] for j in neighbours[i]} & active - {z})
        active.add(z)
        push([(p, z) for p in partners])
    return [members[b] for b in sorted(active)]


# --- local search ------------------------------------------------------------------


class _State:
    def __init__(self, problem: _Problem, batches: Sequence[Sequence[int]]):
        self.p = problem
        self.members: list[list[int]] = [sorted(b) for b in batches]
        self.units = [sum(problem.units[i] for i in b) for b in self.members]
        self.volume = [sum(problem.volume[i] for i in b) for b in self.members]
        self.dist = problem.cost([tuple(b) for b in self.members])
        self.batch_of = {i: k for k, b in enumerate(self.members) for i in b}
        self.group_batches: dict[int, set[int]] = {}
        for k, b in enumerate(self.members):
            self.group_batches.setdefault(problem.group_of[b[0]], set()).add(k)
        self.changed: set[int] = set(range(len(self.members)))  # batches changed since the last repack sweep

    def put(self, k: int, members: Sequence[int], dist: int) -> None:
        p = self.p
        if self.members[k] and not members:
            self.group_batches[p.group_of[self.members[k][0]]].discard(k)
        self.members[k] = list(members)
        self.dist[k] = dist
        self.units[k] = sum(p.units[i] for i in members)
        self.volume[k] = sum(p.volume[i] for i in members)
        for i in members:
            self.batch_of[i] = k
        self.changed.add(k)

    def batches(self) -> list[tuple[int, ...]]:
        return [tuple(b) for b in self.members if b]


def _without(b: Sequence[int], i: int, add: int | None = None) -> tuple[int, ...]:
    rest = [j for j in b if j != i]
    if add is not None:
        rest.append(add)
    return tuple(sorted(rest))


def _improve_order(st: _State, o: int, neighbours: dict[int, list[int]] | None) -> tuple[int, int] | None:
    """Apply the best improving shift or swap of order o; return the two batches changed."""
    p = st.p
    a = st.batch_of[o]
    g = p.group_of[o]
    uo, vo = p.units[o], p.volume[o]
    if neighbours is None:
        targets = sorted(st.group_batches[g] - {a})
        partners = [j for j in p.groups[g] if st.batch_of[j] != a]
    else:
        partners = [j for j in neighbours[o] if st.batch_of[j] != a]
        targets = sorted({st.batch_of[j] for j in partners})
    rest = _without(st.members[a], o)
    sets: list[tuple[int, ...]] = [rest]
    moves: list[tuple] = []
    for b in targets:
        if st.members[b] and p.fits(st.units[b] + uo, st.volume[b] + vo):
            moves.append(("shift", b, None, len(sets)))
            sets.append(tuple(sorted([*st.members[b], o])))
    for j in partners:
        b = st.batch_of[j]
        uj, vj = p.units[j], p.volume[j]
        if p.fits(st.units[a] - uo + uj, st.volume[a] - vo + vj) and p.fits(st.units[b] - uj + uo,
                                                                          st.volume[b] - vj + vo):
            moves.append(("swap", b, j, len(sets)))
            sets.append(_without(st.members[a], o, j))
            sets.append(_without(st.members[b], j, o))
    if not moves:
        return None
    prices = p.cost(sets)
    base_a = st.dist[a]
    best = None
    for kind, b, j, at in moves:
        if kind == "shift":
            delta = prices[0] - base_a + prices[at] - st.dist[b]
        else:
            delta = prices[at] - base_a + prices[at + 1] - st.dist[b]
        if delta < 0 and (best is None or delta < best[0]):
            best = (delta, kind, b, j, at)
    if best is None:
        return None
    _, kind, b, j, at = best
    if kind == "shift":
        st.put(a, rest, prices[0])
        st.put(b, sets[at], prices[at])
    else:
        st.put(a, sets[at], prices[at])
        st.put(b, sets[at + 1], prices[at + 1])
    return a, b


def _local_search(st: _State, rng: random.Random, deadline: float, max_passes: int,
                  neighbours: dict[int, list[int]] | None, stats: dict, todo: set[int] | None = None) -> None:
    """Shift/swap passes in seeded random order over the orders still to
    look at (all at first, then those whose batch changed); with the full
    neighbourhood a last pass over every order confirms the local optimum."""
    everyone = set(st.batch_of)
    todo = set(everyone) if todo is None else set(todo)
    confirmed = False
    stats.setdefault("stopped", "converged")
    for _ in range(max_passes):
        if not todo:
            if neighbours is not None or confirmed:
                return
            todo, confirmed = set(everyone), True
        seq = sorted(todo)
        rng.shuffle(seq)
        todo = set()
        stats["passes"] = stats.get("passes", 0) + 1
        for o in seq:
            if time.perf_counter() > deadline:
                stats["stopped"] = "time_limit"
                return
            changed = _improve_order(st, o, neighbours)
            if changed:
                stats["moves"] = stats.get("moves", 0) + 1
                confirmed = False
                for k in changed:
                    todo.update(st.members[k])
    if todo:
        stats["stopped"] = "max_passes"


def _splits(p: _Problem, union: Sequence[int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every way to load the orders of `union` (sorted) on one or two carts:
    (S, R) with union[0] in S and R the rest (possibly empty), both fitting."""
    m = len(union)
    if m > 17:
        return []
    bits = (np.arange(1 << (m - 1), dtype=np.int64)[:, None] >> np.arange(m - 1)) & 1
    units = np.array([p.units[i] for i in union], dtype=np.int64)
    su = units[0] + bits @ units[1:]
    ok = (su <= p.cap_u) & (units.sum() - su <= p.cap_u)
    if p.cap_v is not None:
        vol = np.array([p.volume[i] for i in union], dtype=np.int64)
        sv = vol[0] + bits @ vol[1:]
        ok &= (sv <= p.cap_v) & (vol.sum() - sv <= p.cap_v)
    out = []
    for row in bits[ok].tolist():
        out.append((
            (union[0], *(union[j + 1] for j in range(m - 1) if row[j])),
            tuple(union[j + 1] for j in range(m - 1) if not row[j]),
        ))
    return out


def _repack(st: _State, deadline: float, neighbours: dict[int, list[int]] | None, stats: dict,
            max_triples: int = 200, chunk: int = 64) -> set[int]:
    """One sweep of exact re-partitions: for pairs of batches, the best way to
    load their orders on one or two carts; for triples of batches that could
    fit on two carts, the best way to do so (this is what empties a cart
    that shift and swap cannot). Only candidates with a batch changed since
    the last sweep are tried. Returns the orders whose batch changed."""
    p = st.p
    focus, st.changed = st.changed, set()
    candidates: list[tuple[int, ...]] = []
    for g in sorted(st.group_batches):
        ks = sorted(k for k in st.group_batches[g] if st.members[k])
        if neighbours is None:
            candidates.extend(t for t in itertools.combinations(ks, 2) if focus.intersection(t))
        else:
            pairs = set()
            for a in ks:
                for i in st.members[a]:
                    for j in neighbours.get(i, ()):
                        b = st.batch_of[j]
                        if b != a and (a in focus or b in focus):
                            pairs.add((min(a, b), max(a, b)))
            candidates.extend(sorted(pairs))
        if len(ks) <= 60:
            triples = []
            for t in itertools.combinations(ks, 3):
                if not focus.intersection(t):
                    continue
                u = sum(st.units[k] for k in t)
                if u <= 2 * p.cap_u and (p.cap_v is None or sum(st.volume[k] for k in t) <= 2 * p.cap_v):
                    triples.append((u, t))
            candidates.extend(t for _, t in sorted(triples)[:max_triples])
    version = dict.fromkeys(range(len(st.members)), 0)
    touched: set[int] = set()
    for start in range(0, len(candidates), chunk):
        if time.perf_counter() > deadline:
            stats["stopped"] = "time_limit"
            break
        block = []
        for ks in candidates[start:start + chunk]:
            if any(not st.members[k] for k in ks):
                continue
            union = sorted(i for k in ks for i in st.members[k])
            block.append((ks, tuple(version[k] for k in ks), _splits(p, union)))
        sets = list(dict.fromkeys(x for _, _, splits in block for sr in splits for x in sr if x))
        prices = dict(zip(sets, p.cost(sets), strict=True))
        prices[()] = 0
        for ks, seen, splits in block:
            if tuple(version[k] for k in ks) != seen or not splits:
                continue  # changed by an earlier move of this block: next sweep
            old = sum(st.dist[k] for k in ks)
            best = min(splits, key=lambda sr: prices[sr[0]] + prices[sr[1]])
            new = prices[best[0]] + prices[best[1]]
            if new >= old:
                continue
            parts = [best[0], best[1], *([()] * (len(ks) - 2))]
            for k, part in zip(ks, parts, strict=True):
                st.put(k, part, prices[part])
                version[k] += 1
            touched.update(i for part in parts for i in part)
            stats["repacks"] = stats.get("repacks", 0) + 1
    return touched


# --- set partitioning (CP-SAT) -------------------------------------------------------


def _polish_columns(problem: _Problem, batches: Sequence[tuple[int, ...]], per_order: int) -> list[tuple[int, ...]]:
    """The batches priced so far that are worth recombining: for every order,
    the `per_order` that save most against picking their orders alone
    (relative to that), plus the current plan."""
    cache = problem.cost.cache
    single = {i: cache.get((i,)) for i in range(len(problem.orders))}
    if any(v is None for v in single.values()):
        single = dict(zip(range(len(problem.orders)), problem.cost([(i,) for i in range(len(problem.orders))]),
                          strict=True))
    best: dict[int, list[tuple[float, tuple[int, ...]]]] = {}
    for col, d in cache.items():
        if len(col) < 2 or not problem.fits_set(col):
            continue
        alone = sum(single[i] for i in col)
        ratio = d / alone if alone else 1.0
        for i in col:
            heap = best.setdefault(i, [])
            item = (-ratio, col)
            if len(heap) < per_order:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    chosen = {col for heap in best.values() for _, col in heap}
    chosen.update(tuple(b) for b in batches)
    chosen.update((i,) for i in range(len(problem.orders)))
    return sorted(chosen)


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


# --- public API -------------------------------------------------------------------


def plan_batches(
    orders: Sequence[OrderSpec],
    *,
    params: LayoutParams,
    depot: Point,
    capacity_units: int,
    capacity_volume_mm3: int | None = None,
    time_limit_s: float = 5.0,
    seed: int = 0,
    due_window: float | None = None,
    local_search: bool = True,
    max_passes: int = 30,
    full_savings_limit: int = 400,
    neighbours: int = 25,
    polish: bool | None = None,
    polish_limit: int = 300,
    polish_time_s: float = 0.3,
    polish_columns: int = 40,
    repack: bool = True,
) -> BatchPlan:
    """Our waves: savings (C&W ii), shift/swap local search with exact
    repacking, set-partitioning polish (see the module docstring).

    orders: their ids must be unique; an order larger than a cart (units or
    volume) raises ValueError. params/depot: the layout and the point tours
    start and end at (on the front cross aisle). capacity_units /
    capacity_volume_mm3: the cart (volume None: unlimited). time_limit_s:
    stops the search (a safety net: within it the plan depends only on the
    seed). seed: the order in which the local search visits orders.
    due_window: cut-off grouping (None: equal due times form a group).
    local_search / repack / polish: switch the steps off (polish None: on
    for up to polish_limit orders). max_passes: local search passes and
    repacking rounds. full_savings_limit / neighbours: above that many
    orders in a due group, savings and local search look only at the
    `neighbours` nearest orders. polish_time_s / polish_columns: CP-SAT's
    deterministic time and the columns kept per order."""
    started = time.perf_counter()
    deadline = started + time_limit_s
    problem = _Problem(orders, params, depot, capacity_units, capacity_volume_mm3, due_window, seed=seed)
    stats: dict = {"seed": seed, "orders": len(problem.orders), "due_groups": len(problem.groups)}
    if not problem.orders:
        return _plan(problem, [], "savings+local-search", savings=0, lower=0, optimal=True, stats=stats)
    near: dict[int, list[int]] | None = None
    batches: list[tuple[int, ...]] = []
    counters: dict = {}
    for group in problem.groups:
        nb = _neighbours(problem, group, neighbours) if len(group) > full_savings_limit else None
        if nb is not None:
            near = {**(near or {}), **nb}
        batches.extend(_savings(problem, group, nb, counters))
    stats["mode"] = "neighbours" if near is not None else "full"
    stats["merges"] = counters.get("merges", 0)
    # (on a multi-block proxy the savings figure would cost one OR-Tools route per batch: not reported)
    savings_total = int(sum(problem.cost(batches))) if problem.cost.pricer.exact else None
    stats["savings_s"] = round(time.perf_counter() - started, 4)
    method = "savings"
    if local_search:
        if near is not None and len(near) < len(problem.orders):  # small groups search fully
            for group in problem.groups:
                for i in group:
                    near.setdefault(i, [j for j in group if j != i])
        st = _State(problem, batches)
        rng = random.Random(seed)
        _local_search(st, rng, deadline, max_passes, near, stats)
        for _ in range(max_passes if repack else 0):
            touched = _repack(st, deadline, near, stats) if time.perf_counter() < deadline else set()
            if not touched:
                break
            _local_search(st, rng, deadline, max_passes, near, stats, todo=touched)
        batches = st.batches()
        method = "savings+local-search"
    stats["local_search_s"] = round(time.perf_counter() - started - stats["savings_s"], 4)
    total = int(sum(problem.cost(batches)))
    if polish is None:
        polish = local_search and len(problem.orders) <= polish_limit
    if polish and time.perf_counter() < deadline:
        columns = _polish_columns(problem, batches, polish_columns)
        if columns:
            costs = problem.cost(columns)
            found = _set_partition(problem, columns, costs, time_limit_s=polish_time_s, seed=seed,
                                   hint=[tuple(b) for b in batches])
            if found is not None and found[1] < total:
                batches, total = found[0], found[1]
                method += "+set-partitioning"
            stats["polish_columns"] = len(columns)
    fcfs = _fcfs(problem)
    if sum(problem.cost(fcfs)) < total:  # never worse than the baseline
        batches, method = fcfs, "fcfs"
    stats["priced_sets"] = problem.cost.priced
    stats["time_s"] = round(time.perf_counter() - started, 4)
    return _plan(problem, batches, method, savings=savings_total, lower=_lower_bound(problem), stats=stats)


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
