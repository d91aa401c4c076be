"""What every router shares: points, the Route they return, and the
lengths of tours and walks."""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

Point = tuple[int, int]
INF = math.inf


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

    @property
    def optimal(self) -> bool:
        """Whether the tour is proven optimal (its lower bound reaches its
        length): always for the single-block program and for exact=True
        when the exact method finished; never for heuristics."""
        return self.lower_bound_mm is not None and self.lower_bound_mm >= self.distance_mm


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


class OffNetwork(ValueError):
    """A point is not on an aisle centre line or a cross aisle of the layout."""
