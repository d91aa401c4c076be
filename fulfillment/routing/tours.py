"""Tours on the shortest-path matrix between the depot and the distinct
pick points (Held-Karp, CP-SAT add_circuit, OR-Tools routing with guided
local search), and `optimal_route`, which picks the method for a layout."""
from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Sequence

from fulfillment.routing.route import OffNetwork, Point, Route
from fulfillment.routing.single_block import _ratliff_rosenthal, long_aisle_tour
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

# Up to this many distinct points besides the depot every route is exact
# (Held-Karp, about 10-70 ms at 12); beyond, OR-Tools unless exact=True.
HELD_KARP_MAX = 12
# Double-bridge kicks of the iterated local search beyond HELD_KARP_MAX.
DEFAULT_KICKS = 150


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
    """Exact TSP tour from node 0 by dynamic programming over subsets,
    vectorised (numpy) over all subsets of one size at a time: about 10 ms
    for 12 nodes besides the depot, practical up to about 16."""
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
    bit = np.int64(1) << np.arange(n, dtype=np.int64)
    dp[bit, np.arange(n)] = d[0, 1:]
    inner = d[1:, 1:]  # inner[i, j]: from i to j
    masks = np.arange(full, dtype=np.int64)
    members = (masks[:, None] & bit[None, :]) != 0  # (full, n)
    size = members.sum(axis=1)
    for k in range(2, n + 1):
        layer = masks[size == k]
        inside = members[layer]  # (m, n): j in the mask
        prev = layer[:, None] ^ bit[None, :]  # (m, n): the mask without j (meaningful where j is inside)
        # cand[m, j, i] = dp[mask - j, i] + inner[i, j]; i outside mask - j has dp = big.
        cand = dp[prev] + inner.T[None, :, :]
        best = cand.argmin(axis=2)
        value = np.take_along_axis(cand, best[:, :, None], axis=2)[:, :, 0]
        dp[layer] = np.where(inside, value, big)
        parent[layer] = np.where(inside, best, -1)
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


# --- iterated local search (2-opt and Or-opt on neighbour lists, double-bridge kicks) ---------


def _reverse(t: list[int], pos: list[int], i: int, j: int) -> None:
    """Reverse the tour between positions i and j inclusive, going forward (cyclic)."""
    n = len(t)
    for k in range(((j - i) % n + 1) // 2):
        a, b = (i + k) % n, (j - k) % n
        t[a], t[b] = t[b], t[a]
        pos[t[a]] = a
        pos[t[b]] = b


def _two_opt(d, t, pos, nbrs, a) -> tuple[int, ...] | None:
    """The first improving 2-opt move that makes a neighbour of `a` its successor or predecessor."""
    n = len(t)
    i = pos[a]
    b = t[(i + 1) % n]
    dab = d[a][b]
    for c in nbrs[a]:
        dac = d[a][c]
        if dac >= dab:
            break
        j = pos[c]
        e = t[(j + 1) % n]
        if c != b and e != a and dac + d[b][e] < dab + d[c][e]:
            _reverse(t, pos, (i + 1) % n, j)  # a c ... b e
            return a, b, c, e
    p = t[i - 1]
    dpa = d[p][a]
    for c in nbrs[a]:
        dac = d[a][c]
        if dac >= dpa:
            break
        j = pos[c]
        e = t[j - 1]
        if c != p and e != a and dac + d[p][e] < dpa + d[e][c]:
            _reverse(t, pos, i, (j - 1) % n)  # p e ... a c
            return a, p, c, e
    return None


def _or_opt(d, t, pos, nbrs, a) -> tuple[int, ...] | None:
    """The best improving move of the segment of 1 to 3 nodes starting at `a`
    to an edge next to a neighbour of its ends, either way round."""
    n = len(t)
    i = pos[a]
    for length in (1, 2, 3):
        if length > n - 3:
            break
        seg = [t[(i + k) % n] for k in range(length)]
        s = seg[-1]
        p, nx = t[i - 1], t[(i + length) % n]
        gain = d[p][a] + d[s][nx] - d[p][nx]
        if gain <= 0:
            continue
        inside = set(seg)
        best = None
        for c in (*nbrs[a], *nbrs[s]):
            if c in inside:
                continue
            j = pos[c]
            for u, v in ((c, t[(j + 1) % n]), (t[j - 1], c)):
                if u in inside or v in inside:
                    continue
                duv = d[u][v]
                fwd = d[u][a] + d[s][v] - duv
                rev = d[u][s] + d[a][v] - duv
                add = min(fwd, rev)
                if add < gain and (best is None or add < best[0]):
                    best = (add, u, v, rev < fwd)
        if best is not None:
            _, u, v, reverse = best
            rest = [x for x in t if x not in inside]
            k = rest.index(u)
            if rest[(k + 1) % len(rest)] != v:  # v precedes u: insert before u
                k -= 1
            t[:] = rest[:k + 1] + (seg[::-1] if reverse else seg) + rest[k + 1:]
            for q, x in enumerate(t):
                pos[x] = q
            return p, nx, u, v, *seg
    return None


def _descend(d, t, pos, nbrs, dirty) -> None:
    """2-opt and Or-opt from the nodes in `dirty` (don't-look bits) until no move improves."""
    queue = list(dirty)
    waiting = set(queue)
    while queue:
        a = queue.pop()
        waiting.discard(a)
        moved = _two_opt(d, t, pos, nbrs, a) or _or_opt(d, t, pos, nbrs, a)
        if moved:
            for x in (a, *moved):
                if x not in waiting:
                    waiting.add(x)
                    queue.append(x)


def _cycle_length(d, t: Sequence[int]) -> int:
    return sum(d[t[k - 1]][t[k]] for k in range(len(t)))


def ils_tour(
    matrix: list[list[int]],
    *,
    initial: Sequence[int] | None = None,
    kicks: int = 200,
    seed: int = 0,
    time_limit_s: float = 10.0,
    neighbours: int = 10,
) -> list[int]:
    """TSP tour from node 0 on a symmetric matrix by iterated local search:
    2-opt and Or-opt (segments of 1-3 nodes, either way round) restricted to
    each node's `neighbours` nearest nodes, with don't-look bits, from the
    `initial` tour (nodes 1..n-1 in order; default 1, 2, ...); then `kicks`
    times a random double bridge (seeded) followed by the same descent,
    kept when not longer. Deterministic for a seed unless the time limit
    (a safety net) stops it."""
    d = [[int(v) for v in row] for row in matrix]
    n = len(d)
    if n <= 3:
        return list(range(1, n))
    nbrs = [sorted((j for j in range(n) if j != i), key=lambda j, i=i: (d[i][j], j))[:neighbours] for i in range(n)]
    rng = random.Random(seed)
    first = list(initial) if initial is not None and sorted(initial) == list(range(1, n)) else list(range(1, n))
    t = [0, *first]
    pos = [0] * n
    for q, x in enumerate(t):
        pos[x] = q
    _descend(d, t, pos, nbrs, range(n))
    current = _cycle_length(d, t)
    best, best_t = current, list(t)
    deadline = time.perf_counter() + time_limit_s
    for _ in range(kicks if n >= 8 else 0):
        if time.perf_counter() > deadline:
            break
        p1, p2, p3 = sorted(rng.sample(range(1, n), 3))
        u = t[:p1] + t[p3:] + t[p2:p3] + t[p1:p2]
        upos = [0] * n
        for q, x in enumerate(u):
            upos[x] = q
        dirty = {t[p1 - 1], t[p1], t[p2 - 1], t[p2], t[p3 - 1], t[p3], t[-1], t[0]}
        _descend(d, u, upos, nbrs, dirty)
        length = _cycle_length(d, u)
        if length <= current:
            t, pos, current = u, upos, length
            if length < best:
                best, best_t = length, list(u)
    k = best_t.index(0)
    return best_t[k + 1:] + best_t[:k]


# --- proven optima: integer program with subtour elimination constraints ------------------


def mip_tour(
    matrix: list[list[int]],
    *,
    time_limit_s: float = 60.0,
    initial: Sequence[int] | None = None,
) -> tuple[int, list[int], int, bool]:
    """The optimal TSP tour from node 0 on a symmetric matrix: the
    Dantzig-Fulkerson-Johnson integer program (one 0/1 variable per edge,
    two edges at every node) solved by SCIP, adding the subtour elimination
    constraint of every component of the solution and solving again until
    the solution is one tour. Returns (length, tour, lower bound, proven);
    when the time limit (wall clock) stops it, the `initial` tour (when
    given) with the bound reached so far and proven False."""
    from ortools.linear_solver import pywraplp

    n = len(matrix)
    if n <= 3:
        tour = list(range(1, n))
        length = _tour_length(matrix, tour)
        return length, tour, length, True
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - OR-Tools built without SCIP
        raise RuntimeError("OR-Tools has no SCIP")
    x = {(i, j): solver.BoolVar(f"x{i}_{j}") for i in range(n) for j in range(i + 1, n)}

    def edge(i: int, j: int):
        return x[min(i, j), max(i, j)]

    for i in range(n):
        solver.Add(sum(edge(i, j) for j in range(n) if j != i) == 2)
    solver.Minimize(sum(matrix[i][j] * v for (i, j), v in x.items()))
    upper = None
    if initial is not None and sorted(initial) == list(range(1, n)):
        upper = (_tour_length(matrix, initial), list(initial))
        cycle = [0, *initial, 0]
        on = {(min(a, b), max(a, b)) for a, b in itertools.pairwise(cycle)}
        solver.SetHint(list(x.values()), [1.0 if k in on else 0.0 for k in x])
    deadline = time.perf_counter() + time_limit_s
    bound = 0
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        solver.SetTimeLimit(max(1, int(left * 1000)))
        status = solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            if status == pywraplp.Solver.FEASIBLE:
                bound = max(bound, int(math.ceil(solver.Objective().BestBound() - 1e-6)))
            break
        bound = max(bound, int(round(solver.Objective().Value())))
        adjacent: list[list[int]] = [[] for _ in range(n)]
        for (i, j), v in x.items():
            if v.solution_value() > 0.5:
                adjacent[i].append(j)
                adjacent[j].append(i)
        components, seen = [], [False] * n
        for start in range(n):
            if seen[start]:
                continue
            comp, stack = [], [start]
            seen[start] = True
            while stack:
                u = stack.pop()
                comp.append(u)
                for w in adjacent[u]:
                    if not seen[w]:
                        seen[w] = True
                        stack.append(w)
            components.append(comp)
        if len(components) == 1:
            tour, prev, cur = [], 0, adjacent[0][0]
            while cur != 0:
                tour.append(cur)
                prev, cur = cur, next(w for w in adjacent[cur] if w != prev)
            return _tour_length(matrix, tour), tour, _tour_length(matrix, tour), True
        for comp in components:
            inside = set(comp)
            solver.Add(sum(edge(i, j) for i in comp for j in range(n) if j not in inside) >= 2)
    if upper is None:
        raise TimeoutError("no tour proven within the time limit and no initial tour given")
    return upper[0], upper[1], min(bound, upper[0]), bound >= upper[0]


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


def _matrix_route(
    params: LayoutParams | None,
    depot: Point,
    picks: Sequence[Point],
    *,
    exact: bool,
    time_limit_s: float,
    seed: int,
    kicks: int,
) -> Route:
    points, members = _distinct(picks, depot)
    nodes = [tuple(depot), *points]
    matrix = _matrix(params, nodes)
    # A pick at the depot is node 1 at distance 0: any optimal tour can start with it.
    lower = None
    if len(points) <= 2:
        tour, method = list(range(1, len(nodes))), "enumeration"
        lower = _tour_length(matrix, tour)
    elif len(points) <= HELD_KARP_MAX:  # exact and quicker than the local search
        lower, tour = held_karp(matrix)
        method = "held-karp"
    else:
        initial = long_aisle_tour(params, tuple(depot), points) if params is not None else None
        tour = ils_tour(matrix, initial=[i + 1 for i in initial] if initial is not None else None, kicks=kicks,
                        seed=seed, time_limit_s=time_limit_s)
        method = "ils"
        if exact:
            _, tour, lower, proven = mip_tour(matrix, time_limit_s=time_limit_s, initial=tour)
            method = "mip-subtour" if proven else "ils"
    order = [i for node in tour for i in members[node - 1]]
    return Route(order=order, distance_mm=_tour_length(matrix, tour), method=method, lower_bound_mm=lower)


def optimal_route(
    params: LayoutParams,
    depot: Point,
    picks: Sequence[Point],
    *,
    time_limit_s: float = 2.0,
    seed: int = 0,
    exact: bool = False,
    kicks: int = DEFAULT_KICKS,
    solution_limit: int | None = None,
) -> Route:
    """The shortest tour from the depot through every pick and back.

    Single block: the exact Ratliff-Rosenthal dynamic program (time limit and
    seed unused). Several blocks: up to HELD_KARP_MAX distinct points the
    exact Held-Karp program; beyond, iterated local search on the
    shortest-path matrix (`ils_tour`: from the optimal tour that uses only
    the front and back cross aisles, 2-opt and Or-opt, `kicks` random double
    bridges; deterministic for a seed unless the time limit, a safety net,
    stops it; method "ils", lower_bound_mm None); see the README for its
    measured gap to proven optima. With exact=True beyond HELD_KARP_MAX the
    integer program with subtour elimination (`mip_tour`, SCIP) proves the
    optimum within time_limit_s (wall clock; method "mip-subtour",
    lower_bound_mm its length), or, when stopped, returns the local search's
    tour with method "ils" and the bound reached (so `optimal` says which it
    returned). `solution_limit` is the older name of `kicks` (kept for
    callers). Points off the aisle network (single block) are routed as in
    the multi-block case."""
    depot = tuple(depot)
    picks = [tuple(p) for p in picks]
    if not picks:
        return Route(order=[], distance_mm=0, method="empty", lower_bound_mm=0)
    if params is not None and params.blocks == 1:
        try:
            return _ratliff_rosenthal(params, depot, picks)
        except OffNetwork:
            pass
    return _matrix_route(params, depot, picks, exact=exact, time_limit_s=time_limit_s, seed=seed,
                         kicks=solution_limit if solution_limit is not None else kicks)
