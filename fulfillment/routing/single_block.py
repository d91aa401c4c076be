"""The exact single-block router: the dynamic program of Ratliff &
Rosenthal (1983) over the columns of a layout (see the package docstring),
and the long-aisle tour it gives in a multi-block layout."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from fulfillment.routing.route import INF, OffNetwork, Point, Route
from wms.facility.rules import LayoutParams

# --- Ratliff & Rosenthal dynamic program ------------------------------------------------
#
# A state describes the partial tour built so far, left of and including a
# column's front vertex a and back vertex b: (degree class of a, degree class of
# b, components), degree classes 0 = no edge, 1 = odd, 2 = even and positive;
# components 0 = none, 1 = one (holding a and/or b), 2 = two (one with a, one
# with b), 3 = one closed tour left behind (nothing may be added any more).

_STATES = ((0, 0, 0), (0, 0, 3), (1, 1, 1), (2, 2, 1), (2, 2, 2), (2, 0, 1), (0, 2, 1))
_STATE_INDEX = {s: i for i, s in enumerate(_STATES)}
EMPTY, CLOSED = 0, 1
# Ways to cover an aisle: (degree added at a, degree added at b, joins a and b).
NONE, ONCE, TWICE, TOP, BOTTOM, GAP = range(6)
_OPTIONS = ((0, 0, False), (1, 1, True), (2, 2, True), (0, 2, False), (2, 0, False), (2, 2, False))


def _add_degree(d: int, e: int) -> int:
    if e == 0:
        return d
    return 1 if ((d == 1) + e) % 2 else 2


def _vertical(state: tuple[int, int, int], option: tuple[int, int, bool]) -> tuple[int, int, int] | None:
    da, db, conn = state
    ea, eb, joins = option
    if conn == 3:
        return state if ea == eb == 0 else None
    ca = "A" if da else None
    cb = ("A" if conn == 1 and da else "B") if db else None
    if ea and ca is None:
        ca = "NA"
    if eb and cb is None:
        cb = "NB"
    if joins:
        cb = ca
    na, nb = _add_degree(da, ea), _add_degree(db, eb)
    if na == nb == 0:
        new = (0, 0, conn)
    elif na and nb:
        new = (na, nb, 1 if ca == cb else 2)
    else:
        new = (na, nb, 1)
    return new if new in _STATE_INDEX else None


def _horizontal(state: tuple[int, int, int], ha: int, hb: int) -> tuple[int, int, int] | None:
    da, db, conn = state
    if conn == 3:
        return state if ha == hb == 0 else None
    if ((da == 1) + ha) % 2 or ((db == 1) + hb) % 2:
        return None  # a and b get no more edges after this: their degree must be even
    ca = "A" if da else None
    cb = ("A" if conn == 1 and da else "B") if db else None
    la = (ca or "NA") if ha else None
    lb = (cb or "NB") if hb else None
    existing = {c for c in (ca, cb) if c}
    continuing = {c for c in (la, lb) if c}
    if existing - continuing:  # a component is left behind: it must be the whole tour
        if len(existing) > 1 or continuing:
            return None
        return (0, 0, 3)
    if not continuing:
        return (0, 0, 0)
    if ha and hb:
        new = (ha, hb, 1 if la == lb else 2)
    else:
        new = (ha, hb, 1)
    return new if new in _STATE_INDEX else None


def _tables():
    vert = []
    for s in _STATES:
        vert.append(tuple((o, _STATE_INDEX[t]) for o, opt in enumerate(_OPTIONS) if (t := _vertical(s, opt))))
    horiz = []
    for s in _STATES:
        row = []
        for ha, hb in itertools.product(range(3), repeat=2):
            t = _horizontal(s, ha, hb)
            if t is not None:
                row.append((ha + hb, ha, hb, _STATE_INDEX[t]))
        horiz.append(tuple(row))
    return tuple(vert), tuple(horiz)


_VERT, _HORIZ = _tables()
_FINAL = tuple(next((t for m, _, _, t in _HORIZ[s] if m == 0 and t == CLOSED), None) for s in range(len(_STATES)))


@dataclass
class _Column:
    x: int
    lo: int  # front cross aisle
    hi: int  # back cross aisle
    ys: list[int]  # distinct required points on this column, sorted
    aisle: bool  # False: a column made for a point on a cross aisle between aisles

    def costs(self) -> tuple[float, ...]:
        return column_costs(self.lo, self.hi, self.ys, self.aisle)

    def gap_index(self) -> int:
        """Segment left out by GAP: the largest gap between two required points."""
        best, at = -1, 1
        for i in range(len(self.ys) - 1):
            gap = self.ys[i + 1] - self.ys[i]
            if gap > best:
                best, at = gap, i + 1
        return at


def column_costs(lo: int, hi: int, ys: Sequence[int], aisle: bool = True) -> tuple[float, ...]:
    """Cost of each way to cover a column whose required points are ys
    (sorted, lo <= y <= hi): NONE, ONCE, TWICE, TOP, BOTTOM, GAP."""
    length = hi - lo
    if not ys:
        return (0, length, 2 * length, INF, INF, INF) if aisle else (0, INF, INF, INF, INF, INF)
    top = 2 * (hi - ys[0])
    bottom = 2 * (ys[-1] - lo)
    gap = 2 * (length - max(b - a for a, b in itertools.pairwise(ys))) if len(ys) > 1 else INF
    if aisle:
        return (INF, length, 2 * length, top, bottom, gap)
    # Between aisles only the cross aisles exist: a point there is covered at no cost.
    return (INF, INF, INF, top if top == 0 else INF, bottom if bottom == 0 else INF, gap if gap == 0 else INF)


def _span(by_x: dict[int, set[int]] | set[int], virtual: set[int], xs: set[int]) -> tuple[int, int]:
    """The columns a tour may use: from the leftmost to the rightmost required
    point, widened to the nearest aisle beyond an extreme point that lies on
    a cross aisle between aisles (from there the tour may have to climb an
    aisle outside the span, e.g. to reach the back cross aisle). An aisle
    farther out is never better than the nearest one."""
    left, right = min(by_x), max(by_x)
    if left in virtual:
        left = max((x for x in xs if x < left), default=left)
    if right in virtual:
        right = min((x for x in xs if x > right), default=right)
    return left, right


def _single_block_columns(params: LayoutParams, points: Sequence[Point], restrict: bool = True) -> list[_Column]:
    lo, hi = params.cross_aisle_ys()
    xs = {params.aisle_x(a) for a in range(1, params.aisles + 1)}
    by_x: dict[int, set[int]] = {}
    virtual: set[int] = set()
    for x, y in points:
        if x in xs and lo <= y <= hi:
            by_x.setdefault(x, set()).add(y)
        elif y in (lo, hi):
            by_x.setdefault(x, set()).add(y)
            virtual.add(x)
        else:
            raise OffNetwork(f"point {(x, y)} is not on an aisle centre line or a cross aisle")
    columns = sorted(set(by_x) | (xs if not restrict else set()))
    if restrict and by_x:
        left, right = _span(by_x, virtual, xs)
        columns = sorted(set(by_x) | {x for x in xs if left <= x <= right})
    return [_Column(x, lo, hi, sorted(by_x.get(x, ())), x not in virtual) for x in columns]


def _rr_solve(columns: list[_Column]) -> tuple[float, list[int], list[tuple[int, int]]]:
    """Run the dynamic program; return (length, option per column, (ha, hb) per gap between columns)."""
    cur = [INF] * 7
    cur[EMPTY] = 0
    back_v: list[list] = []
    back_h: list[list] = []
    n = len(columns)
    for j, col in enumerate(columns):
        costs = col.costs()
        nv = [INF] * 7
        bv: list = [None] * 7
        for s in range(7):
            v = cur[s]
            if v == INF:
                continue
            for o, t in _VERT[s]:
                c = v + costs[o]
                if c < nv[t]:
                    nv[t] = c
                    bv[t] = (s, o)
        back_v.append(bv)
        nh = [INF] * 7
        bh: list = [None] * 7
        if j + 1 < n:
            dx = columns[j + 1].x - col.x
            for s in range(7):
                v = nv[s]
                if v == INF:
                    continue
                for mult, ha, hb, t in _HORIZ[s]:
                    c = v + mult * dx
                    if c < nh[t]:
                        nh[t] = c
                        bh[t] = (s, ha, hb)
        else:
            for s in range(7):
                if nv[s] < nh[CLOSED] and _FINAL[s] is not None:
                    nh[CLOSED] = nv[s]
                    bh[CLOSED] = (s, 0, 0)
        back_h.append(bh)
        cur = nh
    total = cur[CLOSED]
    if total == INF:
        raise RuntimeError("no tour found")  # cannot happen for a non-empty connected layout
    options = [0] * n
    crossings = [(0, 0)] * n
    state = CLOSED
    for j in range(n - 1, -1, -1):
        s, ha, hb = back_h[j][state]
        crossings[j] = (ha, hb)
        s0, o = back_v[j][s]
        options[j] = o
        state = s0
    return total, options, crossings


def _rr_order(columns, options, crossings, depot: Point, picks: Sequence[Point]) -> list[int]:
    """Read the tour of the chosen edges as an Euler circuit and list the picks
    in order of first visit, starting after the depot.

    Vertices are the columns' front (2j) and back (2j + 1) ends. An aisle
    traversed once or twice is an edge between them that carries its picks;
    an aisle entered and left from the same end is a loop at that end, walked
    at the first visit of the vertex (a loop can be spliced in anywhere)."""
    n = len(columns)
    at: dict[Point, list[int]] = {tuple(depot): [-1]}
    for idx, p in enumerate(picks):
        at.setdefault(tuple(p), []).append(idx)
    loops: list[list[tuple[int, list[int]]]] = [[] for _ in range(2 * n)]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(2 * n)]
    carry: list[int] = []  # per edge: the column whose picks it carries, or -1

    def add(u: int, v: int, times: int, column: int = -1) -> None:
        for _ in range(times):
            adj[u].append((v, len(carry)))
            adj[v].append((u, len(carry)))
            carry.append(column)
            column = -1

    for j, col in enumerate(columns):
        o, ys = options[j], col.ys
        if o in (ONCE, TWICE):
            add(2 * j, 2 * j + 1, 1 if o == ONCE else 2, j)
        elif o == TOP:
            loops[2 * j + 1].append((col.x, ys[::-1]))
        elif o == BOTTOM:
            loops[2 * j].append((col.x, ys))
        elif o == GAP:
            g = col.gap_index()
            loops[2 * j].append((col.x, ys[:g]))
            loops[2 * j + 1].append((col.x, ys[g:][::-1]))
        if j + 1 < n:
            ha, hb = crossings[j]
            add(2 * j, 2 * j + 2, ha)
            add(2 * j + 1, 2 * j + 3, hb)
    start = next(v for v in range(2 * n) if adj[v] or loops[v])
    used = [False] * len(carry)
    ptr = [0] * (2 * n)
    stack = [(start, -1)]
    walk: list[tuple[int, int]] = []  # (vertex, edge to the next vertex of the walk)
    while stack:  # Hierholzer: vertices leave the stack in circuit order
        v = stack[-1][0]
        row = adj[v]
        p = ptr[v]
        while p < len(row) and used[row[p][1]]:
            p += 1
        ptr[v] = p
        if p == len(row):
            walk.append(stack.pop())
        else:
            u, e = row[p]
            used[e] = True
            stack.append((u, e))
    out: list[int] = []
    seen = [False] * (2 * n)
    for v, e in walk:
        if not seen[v]:
            seen[v] = True
            for x, ys in loops[v]:
                for y in ys:
                    out.extend(at[(x, y)])
        if e >= 0 and carry[e] >= 0:
            col = columns[carry[e]]
            for y in (col.ys if v % 2 == 0 else col.ys[::-1]):
                out.extend(at[(col.x, y)])
    k = out.index(-1)
    return out[k + 1:] + out[:k]


def ratliff_rosenthal_length(params: LayoutParams, depot: Point, picks: Sequence[Point]) -> int:
    """Optimal tour length in a single-block layout (the dynamic program alone)."""
    if not picks:
        return 0
    total, _, _ = _rr_solve(_single_block_columns(params, [tuple(depot), *map(tuple, picks)]))
    return int(total)


def _ratliff_rosenthal(params: LayoutParams, depot: Point, picks: Sequence[Point]) -> Route:
    columns = _single_block_columns(params, [tuple(depot), *map(tuple, picks)])
    total, options, crossings = _rr_solve(columns)
    order = _rr_order(columns, options, crossings, depot, picks)
    return Route(order=order, distance_mm=int(total), method="ratliff-rosenthal", lower_bound_mm=int(total))


def long_aisle_tour(params: LayoutParams, depot: Point, picks: Sequence[Point]) -> list[int] | None:
    """In a multi-block layout, the optimal tour that uses only the front and
    back cross aisles (the Ratliff-Rosenthal program with every aisle walked
    as one long aisle): a good first tour. None if a point is off the network."""
    cross = params.cross_aisle_ys()
    lo, hi = cross[0], cross[-1]
    xs = {params.aisle_x(a) for a in range(1, params.aisles + 1)}
    by_x: dict[int, set[int]] = {}
    for x, y in [tuple(depot), *map(tuple, picks)]:
        if x not in xs or not lo <= y <= hi:
            return None
        by_x.setdefault(x, set()).add(y)
    left, right = min(by_x), max(by_x)
    columns = [_Column(x, lo, hi, sorted(by_x.get(x, ())), True)
               for x in sorted(set(by_x) | {x for x in xs if left <= x <= right})]
    _, options, crossings = _rr_solve(columns)
    return _rr_order(columns, options, crossings, depot, picks)
