"""Tours on the shortest-path matrix between the depot and the distinct
pick points (Held-Karp, CP-SAT add_circuit, OR-Tools routing with guided
local search), and `optimal_route`, which picks the method for a layout."""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

from fulfillment.routing.route import OffNetwork, Point, Route
from fulfillment.routing.single_block import _ratliff_rosenthal, long_aisle_tour
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

# Up to this many distinct points besides the depot every route is exact
# (Held-Karp, about 10-70 ms at 12); beyond, OR-Tools unless exact=True.
HELD_KARP_MAX = 12


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
    elif len(points) <= HELD_KARP_MAX:  # exact and quicker than the local search
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
    time_limit_s: float = 2.0,
    seed: int = 0,
    exact: bool = False,
    solution_limit: int | None = 200,
) -> Route:
    """The shortest tour from the depot through every pick and back.

    Single block: the exact Ratliff-Rosenthal dynamic program (time limit and
    seed unused). Several blocks: up to HELD_KARP_MAX distinct points the
    exact Held-Karp program; beyond, OR-Tools routing (first tour the better of
    PATH_CHEAPEST_ARC and the long-aisle tour, then guided local search,
    stopped after `solution_limit` solutions, the time limit
    as a safety net; deterministic for a seed unless the time limit stops
    it; on 16 two-block lists of 40 picks 200 solutions came 0.18% above a
    6 s run on average and 1.42% at worst, 100 solutions 0.35% and 1.76%),
    or with exact=True the proven optimum (Held-Karp up to 12 distinct
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
