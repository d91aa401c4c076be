"""Drawing a layout: the waypoints of a leg are a walk of straight moves
exactly as long as the travel distance the router measures."""
from __future__ import annotations

import random

from fulfillment.routing import walk_length_mm
from wms.facility.drawing import bay_rects, leg_waypoints, tour_waypoints
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

PARAMS = LayoutParams(blocks=2, aisles=5, bays_per_aisle=8, levels=2)


def random_points(rng: random.Random, n: int) -> list[tuple[int, int]]:
    in_aisles = [(PARAMS.aisle_x(rng.randint(1, 5)), PARAMS.bay_y(rng.randint(1, 2), rng.randint(1, 16)))
                 for _ in range(n)]
    on_cross_aisles = [(rng.randint(0, PARAMS.width_mm), rng.choice(PARAMS.cross_aisle_ys())) for _ in range(n // 4)]
    return in_aisles + on_cross_aisles


def test_each_legs_walk_is_as_long_as_the_travel_distance_and_moves_along_one_axis():
    geometry = Geometry.of(PARAMS)
    points = random_points(random.Random(7), 120)

    for a in points:
        for b in points[:40]:
            walk = leg_waypoints(geometry, a, b)
            assert walk[0] == a and walk[-1] == b
            assert all(p[0] == q[0] or p[1] == q[1] for p, q in zip(walk, walk[1:], strict=False))
            assert walk_length_mm(walk) == travel_distance_mm(geometry, a, b), (a, b, walk)


def test_a_tour_starts_and_ends_at_the_depot_through_every_stop():
    geometry = Geometry.of(PARAMS)
    depot = (PARAMS.aisle_x(3), PARAMS.cross_aisle_ys()[0])
    stops = random_points(random.Random(3), 6)[:6]

    walk = tour_waypoints(geometry, depot, stops)

    assert walk[0] == walk[-1] == depot
    assert all(stop in walk for stop in stops)
    legs = [depot, *stops, depot]
    assert walk_length_mm(walk) == sum(travel_distance_mm(geometry, a, b) for a, b in zip(legs, legs[1:], strict=False))


def test_every_bay_has_one_rectangle_beside_its_aisle():
    rects = bay_rects(PARAMS)

    assert len(rects) == PARAMS.blocks * PARAMS.aisles * 2 * PARAMS.bays_per_aisle
    assert len({r.key for r in rects}) == len(rects)
    for r in rects:
        aisle_x = PARAMS.aisle_x(r.aisle)
        assert (r.x + r.w <= aisle_x) if r.bay % 2 else (r.x >= aisle_x)
