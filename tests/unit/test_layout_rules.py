import itertools

import pytest

from wms.facility.rules import Geometry, LayoutParams, generate_layout, location_code, travel_distance_mm


def test_a_layout_has_every_bay_of_every_aisle_and_level_and_the_stations():
    p = LayoutParams(blocks=2, aisles=3, bays_per_aisle=4, levels=2)
    specs = generate_layout(p)
    storage = [s for s in specs if s.kind == "storage"]
    assert len(storage) == 2 * 3 * (2 * 4) * 2
    assert {s.code for s in specs if s.kind != "storage"} == {"DOCK", "PACK", "SHIP", "QUARANTINE"}
    assert len({s.code for s in specs}) == len(specs)
    assert storage[0].code == "A01-01-1"
    assert location_code(2, 3, 8, 2) in {s.code for s in storage}


def test_facing_bays_share_a_pick_point_and_bays_advance_along_the_aisle():
    p = LayoutParams(blocks=1, aisles=1, bays_per_aisle=3, levels=1, bay_width_mm=1000)
    by_code = {s.code: s for s in generate_layout(p)}
    assert (by_code["A01-01-1"].x_mm, by_code["A01-01-1"].y_mm) == (by_code["A01-02-1"].x_mm, by_code["A01-02-1"].y_mm)
    assert by_code["A01-03-1"].y_mm - by_code["A01-01-1"].y_mm == 1000


def test_walking_within_an_aisle_is_straight():
    p = LayoutParams(blocks=1, aisles=2, bays_per_aisle=10, levels=1)
    g = Geometry.of(p)
    x = p.aisle_x(1)
    assert travel_distance_mm(g, (x, 5000), (x, 9000)) == 4000


def test_changing_aisles_goes_round_the_nearest_cross_aisle():
    p = LayoutParams(blocks=1, aisles=2, bays_per_aisle=10, levels=1, bay_width_mm=1000, cross_aisle_width_mm=2000)
    g = Geometry.of(p)
    front, back = p.cross_aisle_ys()
    assert (front, back) == (1000, 13000)  # a 10 m block between 2 m cross aisles
    a, b = (p.aisle_x(1), 3000), (p.aisle_x(2), 4000)
    # Via the front: 2000 down, across, 3000 up; via the back would be 10000 + 9000.
    assert travel_distance_mm(g, a, b) == p.aisle_pitch_mm + 2000 + 3000
    near_back = (p.aisle_x(1), 11000), (p.aisle_x(2), 10500)
    assert travel_distance_mm(g, *near_back) == p.aisle_pitch_mm + 2000 + 2500


def test_a_middle_cross_aisle_shortens_walks_between_blocks():
    p = LayoutParams(blocks=2, aisles=2, bays_per_aisle=10, levels=1)
    g = Geometry.of(p)
    middle = p.cross_aisle_ys()[1]
    a, b = (p.aisle_x(1), middle - 500), (p.aisle_x(2), middle + 500)
    assert travel_distance_mm(g, a, b) == p.aisle_pitch_mm + 1000


def test_distance_is_a_metric_on_generated_pick_points():
    p = LayoutParams(blocks=2, aisles=3, bays_per_aisle=3, levels=1)
    g = Geometry.of(p)
    points = sorted({(s.x_mm, s.y_mm) for s in generate_layout(p)})
    for a, b in itertools.product(points, repeat=2):
        assert travel_distance_mm(g, a, b) == travel_distance_mm(g, b, a)
        assert (travel_distance_mm(g, a, b) == 0) == (a == b)
    for a, b, c in itertools.islice(itertools.product(points, repeat=3), 5000):
        assert travel_distance_mm(g, a, c) <= travel_distance_mm(g, a, b) + travel_distance_mm(g, b, c)


@pytest.mark.parametrize("field", ["blocks", "aisles", "bays_per_aisle", "levels"])
def test_a_layout_needs_at_least_one_of_everything(field):
    args = {"blocks": 1, "aisles": 1, "bays_per_aisle": 1, "levels": 1, field: 0}
    with pytest.raises(ValueError, match=field):
        LayoutParams(**args)
