"""Heuristic routing policies (S-shape, largest gap, midpoint, return) as
real walks through the layout; the baselines the optimal routes are measured
against (see the package docstring for which variant each one is)."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from fulfillment.routing.route import Point, Route, walk_length_mm
from wms.facility.rules import LayoutParams


class _Walk:
    def __init__(self, start: Point, mirror: int | None):
        self.mirror = mirror  # x -> 2*mirror - x maps the mirrored problem back
        self.points: list[Point] = [self._out(start)]
        self.order: list[int] = []

    def _out(self, p: Point) -> Point:
        return (2 * self.mirror - p[0], p[1]) if self.mirror is not None else p

    def to(self, x: int, y: int) -> None:
        last = self.points[-1]
        p = self._out((x, y))
        if p == last:
            return
        if p[0] != last[0] and p[1] != last[1]:
            raise AssertionError(f"not a straight move: {last} -> {p}")
        self.points.append(p)

    def pick(self, indices: Sequence[int]) -> None:
        self.order.extend(indices)


@dataclass
class _Picks:
    """Picks grouped for the heuristics (in possibly mirrored coordinates)."""

    cross: list[int]  # cross aisle ys, front to back
    depot: Point
    at: dict[Point, list[int]]  # point -> pick indices
    aisle_ys: dict[int, list[int]]  # aisle x -> distinct ys, sorted

    def block_of(self, y: int) -> int:
        for k in range(1, len(self.cross)):
            if y <= self.cross[k]:
                return k
        return len(self.cross) - 1

    def in_block(self, x: int, k: int) -> list[int]:
        lo, hi = self.cross[k - 1], self.cross[k]
        return [y for y in self.aisle_ys.get(x, ()) if self.block_of(y) == k and lo <= y <= hi]


def _prepare(params: LayoutParams, depot: Point, picks: Sequence[Point]) -> tuple[_Picks, int | None]:
    cross = list(params.cross_aisle_ys())
    xs = {params.aisle_x(a) for a in range(1, params.aisles + 1)}
    depot = tuple(depot)
    if depot[1] != cross[0]:
        raise ValueError(f"the depot {depot} is not on the front cross aisle (y = {cross[0]})")
    at: dict[Point, list[int]] = {}
    for i, p in enumerate(picks):
        x, y = p
        if x not in xs or not cross[0] <= y <= cross[-1]:
            raise ValueError(f"pick {i} at {(x, y)} is not on an aisle centre line")
        at.setdefault((x, y), []).append(i)
    left, right = min(x for x, _ in at), max(x for x, _ in at)
    mirror = None
    if abs(depot[0] - right) < abs(depot[0] - left):  # start from the end nearer to the depot
        mirror = 0
        at = {(-x, y): v for (x, y), v in at.items()}
        depot = (-depot[0], depot[1])
    aisle_ys: dict[int, list[int]] = {}
    for x, y in at:
        aisle_ys.setdefault(x, []).append(y)
    for ys in aisle_ys.values():
        ys.sort()
    return _Picks(cross, depot, at, aisle_ys), mirror


def _finish(w: _Walk, start: Point, method: str) -> Route:
    w.to(*start)
    if len(w.points) == 1:  # every pick at the depot: the walk stays there
        w.points.append(w.points[0])
    return Route(order=w.order, distance_mm=walk_length_mm(w.points), method=method, walk=tuple(w.points))


def _up(w: _Walk, pk: _Picks, x: int, ys: Sequence[int], to_y: int) -> None:
    for y in ys:
        w.to(x, y)
        w.pick(pk.at[(x, y)])
    w.to(x, to_y)


def _down(w: _Walk, pk: _Picks, x: int, ys: Sequence[int], to_y: int) -> None:
    _up(w, pk, x, list(reversed(ys)), to_y)


def _heuristic(params: LayoutParams, depot: Point, picks: Sequence[Point], name: str, build) -> Route:
    picks = [tuple(p) for p in picks]
    if not picks:
        return Route(order=[], distance_mm=0, method=name, walk=(tuple(depot), tuple(depot)))
    pk, mirror = _prepare(params, depot, picks)
    w = _Walk(pk.depot, mirror)
    build(w, pk)
    return _finish(w, pk.depot, name)


def _s_shape(w: _Walk, pk: _Picks) -> None:
    c = pk.cross
    left = min(pk.aisle_ys)
    far = max(pk.block_of(y) for ys in pk.aisle_ys.values() for y in ys)
    w.to(left, c[0])
    # Up the left pick aisle to the front of the farthest block.
    _up(w, pk, left, [y for y in pk.aisle_ys[left] if pk.block_of(y) < far], c[far - 1])
    x = left
    for k in range(far, 0, -1):
        lo, hi = c[k - 1], c[k]
        aisles = sorted(a for a in pk.aisle_ys if pk.in_block(a, k) and (k == far or a != left))
        if k == far:
            at_back = False  # we stand on the block's front cross aisle
        else:
            at_back = True
            if aisles and abs(aisles[-1] - x) < abs(aisles[0] - x):
                aisles.reverse()
        if not aisles:
            w.to(x, lo)  # cross the block along the current aisle
            continue
        m = len(aisles)
        for i, a in enumerate(aisles):
            w.to(a, hi if at_back else lo)
            ys = pk.in_block(a, k)
            last = i == m - 1
            if last and not at_back:  # enter the last one from the front and come back
                _up(w, pk, a, ys, ys[-1])
                w.to(a, lo)
            elif at_back:
                _down(w, pk, a, ys, lo)
                at_back = False
            else:
                _up(w, pk, a, ys, hi)
                at_back = True
            x = a
    # On the front cross aisle of block 1.


def _gap_per_block(split):
    """Largest gap (or midpoint) per block: split(lo, hi, ys) -> index of the first y served from the back.

    The standard variant for any depot on the front cross aisle: the picker
    walks from the depot to the leftmost pick aisle (the one at the end
    nearer to the depot, after mirroring), entering the aisles it passes
    from the front up to their split on the way out; it serves the back
    parts going right and the remaining front parts of the nearest block
    going left on the way back to the depot, so the front cross aisle is
    walked once between the outermost pick aisles (and to and from a depot
    outside them)."""

    def block(pk: _Picks, left: int, k: int) -> tuple[list[int], dict[int, tuple[list[int], list[int]]]]:
        """Pick aisles of block k other than the left one, and the front and back parts of all but the last."""
        lo, hi = pk.cross[k - 1], pk.cross[k]
        aisles = sorted(a for a in pk.aisle_ys if a != left and pk.in_block(a, k))
        parts = {}
        for a in aisles[:-1]:
            ys = pk.in_block(a, k)
            s = split(lo, hi, ys)
            parts[a] = (ys[:s], ys[s:])
        return aisles, parts

    def front_part(w: _Walk, pk: _Picks, a: int, ys: Sequence[int], lo: int) -> None:
        w.to(a, lo)
        _up(w, pk, a, ys, ys[-1])
        w.to(a, lo)

    def build(w: _Walk, pk: _Picks) -> None:
        c = pk.cross
        if len(pk.aisle_ys) == 1:  # one aisle: enter it and come back
            (x, ys), = pk.aisle_ys.items()
            w.to(x, c[0])
            _up(w, pk, x, ys, ys[-1])
            w.to(x, c[0])
            return
        left = min(pk.aisle_ys)
        far = max(pk.block_of(y) for ys in pk.aisle_ys.values() for y in ys)
        # On the way out: the nearest block's front parts between the depot and the left pick aisle.
        near, near_parts = block(pk, left, 1)
        on_the_way = [a for a in reversed(near[:-1]) if a < pk.depot[0] and near_parts[a][0]]
        for a in on_the_way:
            front_part(w, pk, a, near_parts[a][0], c[0])
        w.to(left, c[0])
        _up(w, pk, left, pk.aisle_ys[left], c[far])  # the whole left pick aisle, to the back of the farthest block
        x = left
        for k in range(far, 0, -1):
            lo, hi = c[k - 1], c[k]
            aisles, parts = block(pk, left, k)
            if not aisles:
                w.to(x, lo)
                continue
            right = aisles[-1]
            for a in aisles[:-1]:  # going right on the back cross aisle
                ys = parts[a][1]
                if ys:
                    w.to(a, hi)
                    _down(w, pk, a, ys, ys[0])
                    w.to(a, hi)
            w.to(right, hi)
            _down(w, pk, right, pk.in_block(right, k), lo)
            x = right
            for a in reversed(aisles[:-1]):  # going left on the front cross aisle
                ys = parts[a][0]
                if ys and not (k == 1 and a in on_the_way):
                    front_part(w, pk, a, ys, lo)
                    x = a

    return build


def _largest_gap_split(lo: int, hi: int, ys: Sequence[int]) -> int:
    stops = [lo, *ys, hi]
    gaps = [b - a for a, b in itertools.pairwise(stops)]
    return gaps.index(max(gaps))  # picks before the largest gap are served from the front


def _midpoint_split(lo: int, hi: int, ys: Sequence[int]) -> int:
    mid = (lo + hi) / 2
    return sum(1 for y in ys if y <= mid)


def _return(w: _Walk, pk: _Picks) -> None:
    front = pk.cross[0]
    for x in sorted(pk.aisle_ys):
        ys = pk.aisle_ys[x]
        w.to(x, front)
        _up(w, pk, x, ys, ys[-1])
        w.to(x, front)


def s_shape_route(params: LayoutParams, depot: Point, picks: Sequence[Point], *, time_limit_s: float = 1.0,
                  seed: int = 0) -> Route:
    """S-shape (traversal): every aisle (subaisle) with picks is traversed
    entirely; the last one is entered and left from the front when needed."""
    return _heuristic(params, depot, picks, "s-shape", _s_shape)


def largest_gap_route(params: LayoutParams, depot: Point, picks: Sequence[Point], *, time_limit_s: float = 1.0,
                      seed: int = 0) -> Route:
    """Largest gap (Hall 1993), the standard variant for any depot on the
    front cross aisle: the first and last pick aisles (of each block) are
    traversed; the others are entered from both cross aisles up to their
    largest gap. With the depot between the outermost pick aisles, the
    front parts of the aisles between the depot and the first pick aisle
    are picked on the way out, the others on the way back, so the front
    cross aisle is walked once between the outermost pick aisles."""
    return _heuristic(params, depot, picks, "largest-gap", _gap_per_block(_largest_gap_split))


def midpoint_route(params: LayoutParams, depot: Point, picks: Sequence[Point], *, time_limit_s: float = 1.0,
                   seed: int = 0) -> Route:
    """Midpoint: as largest gap (the same standard variant for any depot),
    but each aisle is split at the middle of the block."""
    return _heuristic(params, depot, picks, "midpoint", _gap_per_block(_midpoint_split))


def return_route(params: LayoutParams, depot: Point, picks: Sequence[Point], *, time_limit_s: float = 1.0,
                 seed: int = 0) -> Route:
    """Return: each aisle with picks is entered from the front cross aisle up
    to its farthest pick and left the same way."""
    return _heuristic(params, depot, picks, "return", _return)


HEURISTICS = {
    "s-shape": s_shape_route,
    "largest-gap": largest_gap_route,
    "midpoint": midpoint_route,
    "return": return_route,
}


def best_heuristic_route(params: LayoutParams, depot: Point, picks: Sequence[Point]) -> Route:
    """The shortest of the four heuristic walks."""
    routes = [h(params, depot, picks) for h in HEURISTICS.values()]
    return min(routes, key=lambda r: r.distance_mm)
