"""Pick routing in a rectangular multi-aisle warehouse: plain data in, plain data out.

A pick list is a list of pick points (x, y) in millimetres on the aisle centre
lines of a layout (`wms.facility.rules.LayoutParams`); the depot (dock, pack
station) is a point on the front cross aisle, at any x. A route is a closed
tour from the depot through every pick back to the depot. Its length is
measured with `travel_distance_mm`, the shortest walk along aisles and cross
aisles, so `route_length_mm(params, depot, picks, order)` is the length of
walking the picks in `order` by shortest paths.

Optimal routes (`optimal_route`):

- single block (two cross aisles): the exact dynamic program of Ratliff &
  Rosenthal (1983). The columns (aisles, plus a column for a depot between
  aisles) are processed left to right; a partial tour is summarised by the
  degree parity of the column's front and back vertices (zero, odd, even) and
  by its connected components, which gives the seven classes of the paper;
  each aisle is covered in one of six ways (not at all, traversed once or
  twice, entered from the back, from the front, or from both ends leaving
  its largest gap). Linear in the number of aisles. The tour is read back
  from the chosen edges as an Euler circuit, shortcut to the first visit of
  each pick.
- several blocks: OR-Tools routing on the shortest-path matrix between the
  depot and the distinct pick points: the first tour is the better of
  PATH_CHEAPEST_ARC and the optimal tour that uses only the front and back
  cross aisles (the program above with every aisle as one long aisle), then
  guided local search stopped by a solution limit, with the time limit as a
  safety net.
  `exact=True` gives the proven optimum instead (a Held-Karp dynamic program
  up to 12 distinct points, CP-SAT `add_circuit` beyond, with its bound).

Heuristic baselines (`s_shape_route`, `largest_gap_route`, `return_route`,
`midpoint_route`) report the length of the walk their policy prescribes
(`Route.walk`, a list of waypoints joined by straight moves along an aisle
or a cross aisle). Walking their visiting order by shortest paths can only be
shorter: route_length_mm(order) <= distance_mm. The single-block versions are
the classical ones (Hall 1993, Petersen 1997); the picker starts with the pick
aisle at the end of the warehouse nearer to the depot (the leftmost one for a
depot at the left, as in the literature). For several blocks:

- S-shape and largest gap follow Roodbergen & de Koster (2001): go up the
  leftmost pick aisle to the farthest block with picks (S-shape: to its front
  cross aisle; largest gap: to its back cross aisle, picking that whole aisle
  on the way), then serve the blocks one at a time from the farthest to the
  nearest. S-shape traverses every subaisle with picks of a block, starting
  with the one nearer to the picker, and enters the last one and returns
  when needed to leave the block at its front; largest gap serves the
  subaisles of a block from its back cross aisle up to the largest gap going
  right, traverses the rightmost one, and serves the rest from the front
  cross aisle going left. A block without picks is crossed along the aisle
  the picker is in.
- midpoint is largest gap per block with the split at the middle of each
  block; return treats each aisle as one long aisle entered from the front
  cross aisle (simple extensions, documented as such).
"""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

Point = tuple[int, int]
INF = math.inf

# --- Route -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A closed tour from the depot through every pick back to the depot.

    order: indices into the given picks in visiting order (every index once;
    picks at the same point are consecutive). distance_mm: the tour's length
    (for optimal routes route_length_mm(order); for heuristics the length of
    the walk their policy prescribes, `walk`). lower_bound_mm: a proven lower
    bound on the optimal tour when the method has one (equal to distance_mm
    when the tour is proven optimal). walk: the waypoints of the heuristic's
    walk, depot to depot (empty for optimal routes)."""

    order: list[int]
    distance_mm: int
    method: str
    lower_bound_mm: int | None = None
    walk: tuple[Point, ...] = ()


def route_length_mm(params: LayoutParams | None, depot: Point, picks: Sequence[Point], order: Sequence[int]) -> int:
    """Length of the tour depot -> picks[order[0]] -> ... -> depot, walking
    each leg by the shortest path along aisles and cross aisles."""
    geometry = Geometry.of(params)
    pts = [depot]
    for i in order:
        if not 0 <= i < len(picks):
            raise ValueError(f"order refers to pick {i}, but there are {len(picks)} picks")
        pts.append(tuple(picks[i]))
    pts.append(depot)
    return sum(travel_distance_mm(geometry, pts[k], pts[k + 1]) for k in range(len(pts) - 1))


def walk_length_mm(walk: Sequence[Point]) -> int:
    """Length of a walk of straight moves (each move along one axis)."""
    return sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(walk))


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


class OffNetwork(ValueError):
    """A point is not on an aisle centre line or a cross aisle of the layout."""


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
        left, right = min(by_x), max(by_x)
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


# --- general TSP on the shortest-path matrix ---------------------------------------------


def _distinct(picks: Sequence[Point], depot: Point) -> tuple[list[Point], list[list[int]]]:
    """Distinct pick points other than the depot, with the pick indices at each."""
    index: dict[Point, int] = {}
    points: list[Point] = []
    members: list[list[int]] = []
    at_depot: list[int] = []
    for i, p in enumerate(picks):
        p = tuple(p)
        if p == tuple(depot):
            at_depot.append(i)
            continue
        if p not in index:
            index[p] = len(points)
            points.append(p)
            members.append([])
        members[index[p]].append(i)
    if at_depot:  # picked as the tour leaves the depot
        points.insert(0, tuple(depot))
        members.insert(0, at_depot)
    return points, members


def _matrix(params: LayoutParams | None, nodes: Sequence[Point]) -> list[list[int]]:
    g = Geometry.of(params)
    return [[travel_distance_mm(g, a, b) for b in nodes] for a in nodes]


def _tour_length(matrix: list[list[int]], tour: Sequence[int]) -> int:
    seq = [0, *tour, 0]
    return sum(matrix[a][b] for a, b in itertools.pairwise(seq))


def held_karp(matrix: list[list[int]]) -> tuple[int, list[int]]:
    """Exact TSP tour from node 0 by dynamic programming over subsets
    (numpy, practical up to about 15 nodes besides the depot)."""
    import numpy as np

    n = len(matrix) - 1
    if n <= 0:
        return 0, []
    if n == 1:
        return 2 * matrix[0][1], [1]
    d = np.asarray(matrix, dtype=np.int64)
    full = 1 << n
    big = np.iinfo(np.int64).max // 4
    dp = np.full((full, n), big, dtype=np.int64)
    parent = np.full((full, n), -1, dtype=np.int16)
    for j in range(n):
        dp[1 << j, j] = d[0, j + 1]
    inner = d[1:, 1:]
    for mask in range(1, full):
        if mask & (mask - 1) == 0:
            continue
        js = [j for j in range(n) if mask >> j & 1]
        js_arr = np.array(js)
        prev = mask ^ (1 << js_arr)  # one previous subset per last node
        cand = dp[prev] + inner[:, js_arr].T  # (len(js), n): from i to j
        best = cand.argmin(axis=1)
        dp[mask, js_arr] = cand[np.arange(len(js)), best]
        parent[mask, js_arr] = best
    last_costs = dp[full - 1] + d[1:, 0]
    j = int(last_costs.argmin())
    total = int(last_costs[j])
    tour = []
    mask = full - 1
    while j >= 0:
        tour.append(j + 1)
        pj = int(parent[mask, j])
        mask ^= 1 << j
        j = pj
    tour.reverse()
    return total, tour


def cp_sat_tour(matrix: list[list[int]], *, time_limit_s: float, seed: int) -> tuple[int, list[int], int, bool]:
    """TSP tour from node 0 with CP-SAT add_circuit: (length, tour, lower bound, proven)."""
    from ortools.sat.python import cp_model

    n = len(matrix)
    model = cp_model.CpModel()
    arcs = []
    lits = {}
    for i in range(n):
        for j in range(n):
            if i != j:
                lit = model.new_bool_var(f"x{i}_{j}")
                lits[i, j] = lit
                arcs.append((i, j, lit))
    model.add_circuit(arcs)
    model.minimize(sum(matrix[i][j] * lit for (i, j), lit in lits.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = time_limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimeoutError("CP-SAT found no tour within the time limit")
    succ = {i: j for (i, j), lit in lits.items() if solver.boolean_value(lit)}
    tour, v = [], succ[0]
    while v != 0:
        tour.append(v)
        v = succ[v]
    return int(round(solver.objective_value)), tour, int(math.ceil(solver.best_objective_bound - 1e-6)), (
        status == cp_model.OPTIMAL
    )


def ortools_tour(
    matrix: list[list[int]],
    *,
    time_limit_s: float = 1.0,
    solution_limit: int | None = 100,
    seed: int = 0,
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    initial: Sequence[int] | None = None,
) -> list[int]:
    """TSP tour from node 0 with OR-Tools routing: PATH_CHEAPEST_ARC (or the
    `initial` tour when that is shorter), then the metaheuristic until
    `solution_limit` solutions (deterministic) or the time limit (a safety
    net). The seed permutes the nodes, which changes the solver's
    tie-breaking; seed 0 keeps the given numbering."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(matrix)
    if n <= 3:
        return list(range(1, n))
    perm = list(range(1, n))
    if seed:
        random.Random(seed).shuffle(perm)
    perm = [0, *perm]
    pm = [[matrix[perm[i]][perm[j]] for j in range(n)] for i in range(n)]
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    if hasattr(routing, "RegisterTransitMatrix"):
        transit = routing.RegisterTransitMatrix(pm)
    else:  # pragma: no cover - older OR-Tools
        transit = routing.RegisterTransitCallback(
            lambda a, b: pm[manager.IndexToNode(a)][manager.IndexToNode(b)]
        )
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
    if solution_limit:
        params.solution_limit = solution_limit
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if initial is not None and sorted(initial) == list(range(1, n)):
        first = pywrapcp.DefaultRoutingSearchParameters()
        first.first_solution_strategy = params.first_solution_strategy
        first.solution_limit = 1
        first.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        cheapest = routing.SolveWithParameters(first)
        where = {node: i for i, node in enumerate(perm)}
        start = routing.ReadAssignmentFromRoutes([[where[v] for v in initial]], True)
        if cheapest is not None and cheapest.ObjectiveValue() <= _tour_length(matrix, initial):
            start = cheapest
        solution = routing.SolveFromAssignmentWithParameters(start, params)
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        raise TimeoutError("OR-Tools found no route within the time limit")
    tour = []
    index = routing.Start(0)
    index = solution.Value(routing.NextVar(index))
    while not routing.IsEnd(index):
        tour.append(perm[manager.IndexToNode(index)])
        index = solution.Value(routing.NextVar(index))
    return tour


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


def _matrix_route(
    params: LayoutParams | None,
    depot: Point,
    picks: Sequence[Point],
    *,
    exact: bool,
    time_limit_s: float,
    seed: int,
    solution_limit: int | None,
) -> Route:
    points, members = _distinct(picks, depot)
    nodes = [tuple(depot), *points]
    matrix = _matrix(params, nodes)
    # A pick at the depot is node 1 at distance 0: any optimal tour can start with it.
    lower = None
    if len(points) <= 2:
        tour, method = list(range(1, len(nodes))), "enumeration"
        lower = _tour_length(matrix, tour)
    elif exact and len(points) <= 12:
        lower, tour = held_karp(matrix)
        method = "held-karp"
    elif exact:
        _, tour, lower, _proven = cp_sat_tour(matrix, time_limit_s=time_limit_s, seed=seed)
        method = "cp-sat-circuit"
    else:
        initial = long_aisle_tour(params, tuple(depot), points) if params is not None else None
        tour = ortools_tour(matrix, time_limit_s=time_limit_s, solution_limit=solution_limit, seed=seed,
                            initial=[i + 1 for i in initial] if initial is not None else None)
        method = "ortools-gls"
    order = [i for node in tour for i in members[node - 1]]
    return Route(order=order, distance_mm=_tour_length(matrix, tour), method=method, lower_bound_mm=lower)


def optimal_route(
    params: LayoutParams,
    depot: Point,
    picks: Sequence[Point],
    *,
    time_limit_s: float = 1.0,
    seed: int = 0,
    exact: bool = False,
    solution_limit: int | None = 100,
) -> Route:
    """The shortest tour from the depot through every pick and back.

    Single block: the exact Ratliff-Rosenthal dynamic program (time limit and
    seed unused). Several blocks: OR-Tools routing (first tour the better of
    PATH_CHEAPEST_ARC and the long-aisle tour, then guided local search,
    stopped after `solution_limit` solutions, the time limit
    as a safety net; deterministic for a seed unless the time limit stops
    it), or with exact=True the proven optimum (Held-Karp up to 12 distinct
    points, CP-SAT add_circuit beyond, stopped at time_limit_s of
    deterministic time, with lower_bound_mm its bound). Points off the aisle
    network (single block) are routed as in the multi-block case."""
    depot = tuple(depot)
    picks = [tuple(p) for p in picks]
    if not picks:
        return Route(order=[], distance_mm=0, method="empty", lower_bound_mm=0)
    if params is not None and params.blocks == 1:
        try:
            return _ratliff_rosenthal(params, depot, picks)
        except OffNetwork:
            pass
    return _matrix_route(
        params, depot, picks, exact=exact, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit
    )


# --- heuristic policies -----------------------------------------------------------------


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
    """Largest gap (or midpoint) per block: split(lo, hi, ys) -> index of the first y served from the back."""

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
        w.to(left, c[0])
        _up(w, pk, left, pk.aisle_ys[left], c[far])  # the whole left pick aisle, to the back of the farthest block
        x = left
        for k in range(far, 0, -1):
            lo, hi = c[k - 1], c[k]
            aisles = sorted(a for a in pk.aisle_ys if a != left and pk.in_block(a, k))
            if not aisles:
                w.to(x, lo)
                continue
            right = aisles[-1]
            parts = {}
            for a in aisles[:-1]:
                ys = pk.in_block(a, k)
                s = split(lo, hi, ys)
                parts[a] = (ys[:s], ys[s:])
            back_first = [a for a in aisles[:-1] if parts[a][1]]
            for a in back_first:  # going right on the back cross aisle
                w.to(a, hi)
                ys = parts[a][1]
                _down(w, pk, a, ys, ys[0])
                w.to(a, hi)
            w.to(right, hi)
            _down(w, pk, right, pk.in_block(right, k), lo)
            x = right
            for a in reversed(aisles[:-1]):  # going left on the front cross aisle
                ys = parts[a][0]
                if ys:
                    w.to(a, lo)
                    _up(w, pk, a, ys, ys[-1])
                    w.to(a, lo)
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
    """Largest gap: the first and last pick aisles (of each block) are
    traversed; the others are entered from both cross aisles up to their
    largest gap."""
    return _heuristic(params, depot, picks, "largest-gap", _gap_per_block(_largest_gap_split))


def midpoint_route(params: LayoutParams, depot: Point, picks: Sequence[Point], *, time_limit_s: float = 1.0,
                   seed: int = 0) -> Route:
    """Midpoint: as largest gap, but the split is at the middle of the block."""
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

