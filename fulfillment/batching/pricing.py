"""Pricing: the optimal route length of a set of orders, many sets at once
on a single block (the Ratliff-Rosenthal program vectorised over numpy
arrays), one route per set otherwise, cached per set."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from fulfillment import routing
from fulfillment.routing import OffNetwork, Point, column_costs
from fulfillment.routing.single_block import _FINAL, _HORIZ, _STATES, _VERT, CLOSED, EMPTY
from wms.facility.rules import LayoutParams


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
        # Per order, its distinct (aisle, level) pairs, flat: orders' pairs from ptr[i] to ptr[i + 1].
        # Levels are measured from just before the front cross aisle, so that every level is > 0.
        self.aisles = len(xs)
        n = len(order_points)
        owner = np.fromiter((i for i, pts in enumerate(order_points) for _ in pts), dtype=np.int64)
        xy = np.array([p for pts in order_points for p in pts], dtype=np.int64).reshape(-1, 2)
        xs_arr = np.array(xs, dtype=np.int64)
        col = np.searchsorted(xs_arr, xy[:, 0]).clip(0, len(xs) - 1)
        bad = (xs_arr[col] != xy[:, 0]) | (xy[:, 1] < lo) | (xy[:, 1] > hi)
        if bad.any():
            x, y = xy[int(np.flatnonzero(bad)[0])].tolist()
            raise OffNetwork(f"point {(x, y)} is not on an aisle centre line")
        # Distinct (order, aisle, level), sorted by order: the pairs of order i are ptr[i]:ptr[i + 1].
        level = xy[:, 1] - lo + 1
        if len(xs) >= 1 << 12 or (len(level) and int(level.max()) >= 1 << 24):
            raise ValueError("layout too large for the vectorised pricer (4,096 aisles, 16 km)")
        keys = np.unique((owner << 36) | (col << 24) | level)
        self.pair_aisle = (keys >> 24) & 0xFFF
        self.pair_level = keys & 0xFFFFFF
        self.ptr = np.searchsorted(keys >> 36, np.arange(n + 2), side="left").astype(np.int64)
        self.count = np.diff(self.ptr)
        self.padding = len(order_points)
        self.depot_pair = None
        columns: list[tuple[int, int | None, np.ndarray | None]] = [(x, i, None) for i, x in enumerate(xs)]
        dx, dy = depot
        if dx in column_of and lo <= dy <= hi:
            self.depot_pair = (column_of[dx], dy - lo + 1)
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
        step = 20_000
        for start in range(0, len(sets), step):
            chunk = sets[start:start + step]
            lens = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
            flat = np.fromiter(itertools.chain.from_iterable(chunk), dtype=np.int64, count=int(lens.sum()))
            out[start:start + len(chunk)] = self._lengths(np.repeat(np.arange(len(chunk)), lens), flat, len(chunk))
        return out

    def _aisle_stats(self, owner: np.ndarray, orders: np.ndarray, k: int):
        """Per candidate set and aisle: whether it has picks there, its
        lowest and highest level and the largest gap between consecutive
        levels, from the (aisle, level) pairs of the set's orders (sorted
        once, so the work is proportional to the pairs, not the levels)."""
        counts = self.count[orders]
        total = int(counts.sum())
        first = np.repeat(self.ptr[orders] - (np.cumsum(counts) - counts), counts)
        idx = first + np.arange(total)
        group = np.repeat(owner, counts) * self.aisles + self.pair_aisle[idx]
        level = self.pair_level[idx]
        if self.depot_pair is not None:
            group = np.concatenate([group, np.arange(k) * self.aisles + self.depot_pair[0]])
            level = np.concatenate([level, np.full(k, self.depot_pair[1], dtype=np.int64)])
        shift = 24  # levels are below 2**24 mm
        keys = np.sort((group << shift) | level)
        group, level = keys >> shift, keys & ((1 << shift) - 1)
        cells = k * self.aisles
        has = np.zeros(cells, dtype=bool)
        ymin = np.zeros(cells, dtype=np.int64)
        ymax = np.zeros(cells, dtype=np.int64)
        maxgap = np.zeros(cells, dtype=np.int64)
        if len(keys):
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            ends = np.r_[starts[1:], len(keys)] - 1
            g = group[starts]
            has[g] = True
            ymin[g] = level[starts]
            ymax[g] = level[ends]
            gaps = np.r_[0, np.diff(level)]
            gaps[starts] = 0
            maxgap[g] = np.maximum.reduceat(gaps, starts)
        return tuple(a.reshape(k, self.aisles).T for a in (has, ymax, ymin, maxgap))

    def _lengths(self, owner: np.ndarray, orders: np.ndarray, k: int) -> np.ndarray:
        has, ymax, ymin, maxgap = self._aisle_stats(owner, orders, k)
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
