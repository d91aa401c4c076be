"""Our waves: Clarke-Wright savings, shift/swap local search with exact
repacking, and a set-partitioning polish over the batches priced on the way
(see the package docstring)."""
from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Sequence

import numpy as np

from fulfillment.batching.exact import _set_partition
from fulfillment.batching.problem import BatchPlan, OrderSpec, _fcfs, _lower_bound, _plan, _Problem
from fulfillment.routing import Point
from wms.facility.rules import LayoutParams

# --- savings -------------------------------------------------------------------------


def _all_features(problem: _Problem) -> np.ndarray:
    """Per order and aisle: how far it reaches into the aisle from each end
    (as a fraction of the aisle's length), and in the last column how far
    it reaches from the depot along a cross aisle (in aisle pitches), for
    every order at once (computed once per problem)."""
    cached = getattr(problem, "_features", None)
    if cached is not None:
        return cached
    params = problem.params
    cross = params.cross_aisle_ys()
    lo, hi = cross[0], cross[-1]
    column = {params.aisle_x(a): a - 1 for a in range(1, params.aisles + 1)}
    feats = np.zeros((len(problem.orders), 2 * params.aisles + 1), dtype=np.float32)
    owner = np.fromiter((i for i, pts in enumerate(problem.points) for _ in pts), dtype=np.int64)
    xy = np.array([p for pts in problem.points for p in pts], dtype=np.float64).reshape(-1, 2)
    if len(owner):
        aisle = np.array([column.get(int(x), -1) for x in xy[:, 0]], dtype=np.int64)
        on = aisle >= 0
        span = float(max(hi - lo, 1))
        np.maximum.at(feats, (owner[on], 2 * aisle[on]), ((xy[on, 1] - lo) / span).astype(np.float32))
        np.maximum.at(feats, (owner[on], 2 * aisle[on] + 1), ((hi - xy[on, 1]) / span).astype(np.float32))
        off = ~on
        np.maximum.at(feats, (owner[off], np.full(int(off.sum()), feats.shape[1] - 1)),
                      (np.abs(xy[off, 0] - problem.depot[0]) / float(params.aisle_pitch_mm)).astype(np.float32))
    problem._features = feats
    return feats


def _features(problem: _Problem, group: Sequence[int]) -> np.ndarray:
    return _all_features(problem)[np.asarray(group, dtype=np.int64)]


def _neighbours(problem: _Problem, group: Sequence[int], k: int) -> dict[int, list[int]]:
    """Each order's k nearest orders of the group by their features (ties by position in the group)."""
    feats = _features(problem, group)
    norms = (feats * feats).sum(axis=1)
    k = min(k, len(group) - 1)
    ids = np.asarray(group, dtype=np.int64)
    out: dict[int, list[int]] = {}
    if k <= 0:
        return {i: [] for i in group}
    for start in range(0, len(group), 512):
        block = feats[start:start + 512]
        d = norms[start:start + 512, None] + norms[None, :] - 2 * block @ feats.T
        rows = np.arange(len(block))
        d[rows, start + rows] = np.inf
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.lexsort((nearest, np.take_along_axis(d, nearest, axis=1)), axis=1)
        chosen = ids[np.take_along_axis(nearest, order, axis=1)]
        for r, row in enumerate(chosen.tolist()):
            out[group[start + r]] = row
    return out


def _savings(problem: _Problem, group: Sequence[int], neighbours: dict[int, list[int]] | None,
             counters: dict, deadline: float = float("inf"), merge_batch: int = 1) -> list[tuple[int, ...]]:
    """Clarke-Wright savings (ii) within one due group (or zone). With
    merge_batch k > 1, the k best merges still valid are made before the
    savings of the new batches are priced (in one vectorised call): C&W (ii)
    for k = 1, far fewer pricing calls for large groups. Past the deadline
    it stops merging and loads the batches it has by `_sweep`
    (counters["savings_stopped"] counts such stops)."""
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

    cap_u, cap_v = problem.cap_u, problem.cap_v

    def push(pairs: list[tuple[int, int]]) -> None:
        if cap_v is None:
            pairs = [(a, b) for a, b in pairs if units[a] + units[b] <= cap_u]
        else:
            pairs = [(a, b) for a, b in pairs if units[a] + units[b] <= cap_u and volume[a] + volume[b] <= cap_v]
        if not pairs:
            return
        unions = [tuple(sorted(members[a] + members[b])) for a, b in pairs]
        entries = [(d - dist[a] - dist[b], a, b, d) for (a, b), d in zip(pairs, problem.cost(unions), strict=True)]
        if len(entries) > len(heap):  # the same pops either way: the entries are distinct
            heap.extend(entries)
            heapq.heapify(heap)
        else:
            for e in entries:
                heapq.heappush(heap, e)

    if neighbours is None:
        push([(a, b) for a, b in itertools.combinations(sorted(members), 2)])
    else:
        pairs = {(min(batch_of[i], batch_of[j]), max(batch_of[i], batch_of[j])) for i in group
                 for j in neighbours[i]}
        push(sorted(pairs))
    next_id = len(group)
    while heap:
        if time.perf_counter() > deadline:
            counters["savings_stopped"] = counters.get("savings_stopped", 0) + 1
            return _sweep(problem, [members[b] for b in sorted(active)])
        made: list[int] = []  # up to merge_batch merges, then their new savings priced in one call
        while heap and len(made) < merge_batch:
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
            active.add(z)
            for i in members[z]:
                batch_of[i] = z
            made.append(z)
        counters["merges"] = counters.get("merges", 0) + len(made)
        pairs: set[tuple[int, int]] = set()
        for z in made:
            if neighbours is None:
                partners = active - {z}
            else:
                partners = {batch_of[j] for i in members[z] for j in neighbours[i]} & active - {z}
            pairs.update((p, z) if p < z else (z, p) for p in partners)
        push(sorted(pairs))
    return [members[b] for b in sorted(active)]


def _principal_key(problem: _Problem, group: Sequence[int]) -> dict[int, float]:
    """Each order's position along the first principal component of the
    group's features (a fixed sign, so deterministic)."""
    x = _features(problem, group).astype(np.float64)
    x -= x.mean(axis=0)
    if len(group) < 2:
        return dict.fromkeys(group, 0.0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axis = vt[0] * (1 if vt[0][np.argmax(np.abs(vt[0]))] >= 0 else -1)
    return dict(zip(group, (x @ axis).tolist(), strict=True))


def _sweep(problem: _Problem, batches: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """What a stopped savings construction leaves, loaded cheaply: the
    batches in the order of their orders' mean position along the first
    principal component, each added to the current cart while it fits
    (a sweep through similar orders; no pricing)."""
    orders = [i for b in batches for i in b]
    key = _principal_key(problem, orders)
    out: list[tuple[int, ...]] = []
    cur: list[int] = []
    for b in sorted(batches, key=lambda b: (sum(key[i] for i in b) / len(b), b[0])):
        if cur and not problem.fits_set([*cur, *b]):
            out.append(tuple(sorted(cur)))
            cur = []
        cur.extend(b)
    if cur:
        out.append(tuple(sorted(cur)))
    return out


def _zones(problem: _Problem, group: Sequence[int], size: int) -> list[list[int]]:
    """Split a due group into zones of at most `size` orders that reach
    into the same parts of the same aisles: recursive halving at the median
    of the orders' first principal component (of how far each order reaches
    into each aisle from either end, as for the neighbours), so that each
    zone can be batched on its own. Deterministic."""
    feats = _features(problem, group).astype(np.float64)
    out: list[list[int]] = []
    stack = [np.arange(len(group))]
    while stack:
        rows = stack.pop()
        if len(rows) <= size:
            out.append(sorted(group[r] for r in rows.tolist()))
            continue
        x = feats[rows] - feats[rows].mean(axis=0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        axis = vt[0] * (1 if vt[0][np.argmax(np.abs(vt[0]))] >= 0 else -1)  # a fixed sign: deterministic
        key = x @ axis
        order = rows[np.lexsort((rows, key))]
        half = len(order) // 2
        stack.extend([order[half:], order[:half]])
    return out


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


# --- polish: the columns for set partitioning (CP-SAT, in exact) ---------------------


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
    zone_size: int = 20_000,
    construction_share: float = 0.8,
    finish_share: float = 0.05,
    merge_batch: int | None = None,
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
    deadline = started + (1 - finish_share) * time_limit_s  # the rest: the final pricing and baselines
    problem = _Problem(orders, params, depot, capacity_units, capacity_volume_mm3, due_window, seed=seed)
    stats: dict = {"seed": seed, "orders": len(problem.orders), "due_groups": len(problem.groups)}
    if not problem.orders:
        return _plan(problem, [], "savings+local-search", savings=0, lower=0, optimal=True, stats=stats)
    near: dict[int, list[int]] | None = None
    batches: list[tuple[int, ...]] = []
    counters: dict = {}
    zones = [z for group in problem.groups
             for z in (_zones(problem, group, zone_size) if len(group) > zone_size else [group])]
    stats["zones"] = len(zones)
    build_until = started + construction_share * time_limit_s
    for zone in zones:
        # Zones are built one after the other until the construction time is up (the first merges
        # of savings save the most); those left are swept.
        zone_deadline = build_until
        if time.perf_counter() >= zone_deadline:  # no time left to build: sweep
            counters["savings_stopped"] = counters.get("savings_stopped", 0) + 1
            batches.extend(_sweep(problem, [(i,) for i in zone]))
            continue
        nb = _neighbours(problem, zone, neighbours) if len(zone) > full_savings_limit else None
        if nb is not None:
            near = {**(near or {}), **nb}
        k = merge_batch if merge_batch is not None else (1 if len(zone) <= 1000 else len(zone) // 100)
        batches.extend(_savings(problem, zone, nb, counters, zone_deadline, k))
    stats["mode"] = ("zones+" if len(zones) > len(problem.groups) else "") + (
        "neighbours" if near is not None else "full")
    stats["savings_stopped"] = counters.get("savings_stopped", 0)
    stats["merges"] = counters.get("merges", 0)
    # (on a multi-block proxy the savings figure would cost one OR-Tools route per batch: not reported)
    savings_total = int(sum(problem.cost(batches))) if problem.cost.pricer.exact else None
    stats["savings_s"] = round(time.perf_counter() - started, 4)
    method = "savings"
    if local_search:
        if near is not None and len(near) < len(problem.orders):  # small zones search fully
            for zone in zones:
                for i in zone:
                    near.setdefault(i, [j for j in zone if j != i])
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
