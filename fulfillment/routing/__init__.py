"""Pick routing in a rectangular multi-aisle warehouse: plain data in, plain data out.

A pick list is a list of pick points (x, y) in millimetres on the aisle centre
lines of a layout (`wms.facility.rules.LayoutParams`) or on its cross aisles;
the depot (dock, pack station, drop point) is a point of the same network,
usually on the front cross aisle, at any x. A route is a closed
tour from the depot through every pick back to the depot. Its length is
measured with `travel_distance_mm`, the shortest walk along aisles and cross
aisles, so `route_length_mm(params, depot, picks, order)` is the length of
walking the picks in `order` by shortest paths.

Optimal routes (`optimal_route`):

- single block (two cross aisles): the exact dynamic program of Ratliff &
  Rosenthal (1983). The columns (the aisles from the leftmost to the
  rightmost required point, plus a column for each point on a cross aisle
  between aisles; widened to the nearest aisle beyond an extreme point that
  lies on a cross aisle between aisles, since the tour may have to climb an
  aisle outside the span) are processed left to right; a partial tour is summarised by the
  degree parity of the column's front and back vertices (zero, odd, even) and
  by its connected components, which gives the seven classes of the paper;
  each aisle is covered in one of six ways (not at all, traversed once or
  twice, entered from the back, from the front, or from both ends leaving
  its largest gap). Linear in the number of aisles. The tour is read back
  from the chosen edges as an Euler circuit, shortcut to the first visit of
  each pick.
- several blocks: up to 12 distinct points, the exact Held-Karp program on
  the shortest-path matrix between the depot and the distinct pick points
  (vectorised, tens of milliseconds); beyond, iterated local search on that
  (symmetric) matrix (`ils_tour`): from the optimal tour that uses only the
  front and back cross aisles (the program above with every aisle as one
  long aisle), 2-opt and Or-opt moves on each point's 10 nearest points
  with don't-look bits, then a fixed number of seeded random double-bridge
  kicks, each followed by the same descent and kept when not longer.
  On 60 two-block lists of 20 to 40 picks it returned the proven optimum
  every time (see the README). `exact=True` gives the proven optimum
  instead (Held-Karp up to 12 distinct points; beyond, the
  Dantzig-Fulkerson-Johnson integer program solved by SCIP, adding the
  subtour elimination constraints of the components it finds until the
  solution is one tour, hinted with the local search's tour: `mip_tour`),
  and says when its time limit stopped it (method "ils", `optimal` False,
  with the bound reached). OR-Tools routing (`ortools_tour`, guided local
  search) and CP-SAT `add_circuit` (`cp_sat_tour`) remain available for
  comparison.

Heuristic baselines (`s_shape_route`, `largest_gap_route`, `return_route`,
`midpoint_route`) report the length of the walk their policy prescribes
(`Route.walk`, a list of waypoints joined by straight moves along an aisle
or a cross aisle). Walking their visiting order by shortest paths can only be
shorter: route_length_mm(order) <= distance_mm. The single-block versions are
the classical ones (Hall 1993, Petersen 1997); the picker starts with the pick
aisle at the end of the warehouse nearer to the depot (the leftmost one for a
depot at the left, as in the literature). With the depot between the
outermost pick aisles, largest gap and midpoint serve the front parts of
the aisles between the depot and the first pick aisle on the way out and
the rest on the way back (the standard variant, which walks the front cross
aisle once). For several blocks:

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
- a pick where an aisle meets a middle cross aisle belongs to the block in
  front of it (its back end); the heuristics take picks on aisles only, so
  a pick on a cross aisle between aisles is a ValueError for them (the
  optimal routes take it). Tested against brute force on small two- and
  three-block layouts with picks on the middle cross aisles.

Modules: `route` (Route, tour and walk lengths), `single_block` (the
dynamic program), `tours` (TSP on the shortest-path matrix and
`optimal_route`), `heuristics` (the policies). Everything public is
importable from `fulfillment.routing`.
"""
from fulfillment.routing.heuristics import (
    HEURISTICS,
    best_heuristic_route,
    largest_gap_route,
    midpoint_route,
    return_route,
    s_shape_route,
)
from fulfillment.routing.route import INF, OffNetwork, Point, Route, route_length_mm, walk_length_mm
from fulfillment.routing.single_block import column_costs, long_aisle_tour, ratliff_rosenthal_length
from fulfillment.routing.tours import cp_sat_tour, held_karp, ils_tour, mip_tour, optimal_route, ortools_tour

__all__ = [
    "HEURISTICS",
    "INF",
    "OffNetwork",
    "Point",
    "Route",
    "best_heuristic_route",
    "column_costs",
    "cp_sat_tour",
    "held_karp",
    "ils_tour",
    "largest_gap_route",
    "long_aisle_tour",
    "mip_tour",
    "midpoint_route",
    "optimal_route",
    "ortools_tour",
    "ratliff_rosenthal_length",
    "return_route",
    "route_length_mm",
    "s_shape_route",
    "walk_length_mm",
]
