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
