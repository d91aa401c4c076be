import itertools
import random

import networkx as nx
import pytest

from wms.facility.rules import (
    Geometry,
    LayoutParams,
    Stations,
    generate_layout,
    location_code,
    travel_distance_mm,
)


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


def test_between_cross_aisles_a_point_off_the_aisles_must_walk_to_an_aisle_first():
    # Issue 14's example: 7 aisles, default dimensions; both points lie
    # between aisles 1 and 2, one on the back and one on the front cross aisle.
    p = LayoutParams(blocks=1, aisles=7, bays_per_aisle=12, levels=1)
    g = Geometry.of(p)
    front, back = p.cross_aisle_ys()
    assert (front, back) == (1500, 16500)
    a, b = (4275, back), (4100, front)
    # Through aisle 2 (x 6150): 1875 + 15000 + 2050; through aisle 1 (x 2050) is longer.
    assert travel_distance_mm(g, a, b) == travel_distance_mm(g, b, a) == 18_925


def _layout_graph(p: LayoutParams, points) -> nx.Graph:
    """The walking network as a graph: aisle centre lines from the front to
    the back cross aisle, cross-aisle centre lines across the whole width,
    with every point and every crossing as a node."""
    cross = p.cross_aisle_ys()
    aisles = [p.aisle_x(a) for a in range(1, p.aisles + 1)]
    on_line: dict[tuple[str, int], set[tuple[int, int]]] = {}
    for x in aisles:
        on_line[("aisle", x)] = {(x, y) for y in cross}
    for y in cross:
        on_line[("cross", y)] = {(x, y) for x in aisles} | {(0, y), (p.width_mm, y)}
    for x, y in points:
        if x in aisles:
            on_line[("aisle", x)].add((x, y))
        if y in cross:
            on_line[("cross", y)].add((x, y))
        assert x in aisles or y in cross, (x, y)
    graph = nx.Graph()
    for (kind, _), nodes in on_line.items():
        along = sorted(nodes, key=(lambda n: n[1]) if kind == "aisle" else (lambda n: n[0]))
        for u, v in itertools.pairwise(along):
            graph.add_edge(u, v, weight=abs(u[0] - v[0]) + abs(u[1] - v[1]))
    return graph


def _random_points(p: LayoutParams, rng: random.Random, n: int) -> list[tuple[int, int]]:
    cross = p.cross_aisle_ys()
    aisles = [p.aisle_x(a) for a in range(1, p.aisles + 1)]
    specs = generate_layout(p)
    points = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.35:  # anywhere on an aisle, cross aisles included
            points.append((rng.choice(aisles), rng.randint(cross[0], cross[-1])))
        elif kind < 0.7:  # anywhere on any cross aisle, between or beside aisles
            points.append((rng.randint(0, p.width_mm), rng.choice(cross)))
        elif kind < 0.8:  # exactly halfway between two aisles or at a wall
            halfway = [x + p.aisle_pitch_mm // 2 for x in aisles]
            points.append((rng.choice([0, p.width_mm, *halfway]), rng.choice(cross)))
        else:  # a generated pick point or station
            s = rng.choice(specs)
            points.append((s.x_mm, s.y_mm))
    return points


@pytest.mark.parametrize(
    "p",
    [
        LayoutParams(blocks=1, aisles=7, bays_per_aisle=15, levels=1),
        LayoutParams(blocks=2, aisles=5, bays_per_aisle=6, levels=1, bay_width_mm=1300, cross_aisle_width_mm=2600),
        LayoutParams(blocks=3, aisles=4, bays_per_aisle=4, levels=1, aisle_width_mm=3100, bay_depth_mm=1100),
        LayoutParams(blocks=2, aisles=1, bays_per_aisle=5, levels=1),
    ],
    ids=["1x7", "2x5", "3x4", "2x1"],
)
def test_travel_distance_is_the_shortest_path_in_the_layouts_graph(p):
    g = Geometry.of(p)
    rng = random.Random(f"travel-{p}")
    points = _random_points(p, rng, 60)
    graph = _layout_graph(p, points)
    for a in points:
        lengths = nx.single_source_dijkstra_path_length(graph, a, weight="weight")
        for b in points:
            assert travel_distance_mm(g, a, b) == lengths[b], (a, b)


def test_stations_stand_where_the_layout_puts_them_on_the_front_and_drop_points_on_the_back():
    p = LayoutParams(blocks=1, aisles=4, bays_per_aisle=3, levels=2)
    front, back = p.cross_aisle_ys()
    middle = (p.aisle_x(2) + p.aisle_x(3)) // 2
    specs = {s.code: s for s in generate_layout(p, Stations(pack_x_mm=middle, dock_x_mm=0,
                                                               drop_points_x_mm=(middle, p.width_mm)))}
    assert (specs["PACK"].x_mm, specs["PACK"].y_mm, specs["PACK"].kind) == (middle, front, "pack")
    assert (specs["DOCK"].x_mm, specs["DOCK"].y_mm, specs["DOCK"].kind) == (0, front, "dock")
    # The others keep their default places.
    assert (specs["SHIP"].x_mm, specs["QUARANTINE"].x_mm) == (p.aisle_x(4), p.aisle_x(1) + p.aisle_pitch_mm // 2)
    drop = specs["DROP-01"]
    assert (drop.kind, drop.x_mm, drop.y_mm, drop.aisle, drop.level) == ("storage", middle, back, None, None)
    assert (drop.max_volume_mm3, drop.max_weight_g) == (p.bay_volume_mm3, p.max_weight_g)
    assert (specs["DROP-02"].x_mm, specs["DROP-02"].y_mm) == (p.width_mm, back)
    assert len(specs) == 4 * 3 * 2 * 2 + 4 + 2


@pytest.mark.parametrize("stations,field", [
    (Stations(pack_x_mm=-1), "pack_x_mm"),
    (Stations(ship_x_mm=4 * 4100 + 1), "ship_x_mm"),
    (Stations(drop_points_x_mm=(5000, 5000)), "drop_points_x_mm.1"),
    (Stations(drop_points_x_mm=(99_999,)), "drop_points_x_mm.0"),
])
def test_a_station_off_the_cross_aisle_is_refused_naming_it(stations, field):
    p = LayoutParams(blocks=1, aisles=4, bays_per_aisle=3, levels=1)
    assert p.width_mm == 4 * 4100
    assert list(stations.problems(p)) == [field]
    with pytest.raises(ValueError, match=field):
        generate_layout(p, stations)
    assert Stations(pack_x_mm=0, ship_x_mm=p.width_mm).problems(p) == {}


def test_every_generated_location_records_where_it_is_and_what_it_holds():
    p = LayoutParams(blocks=2, aisles=3, bays_per_aisle=4, levels=2, bay_width_mm=1200, bay_depth_mm=900,
                     level_height_mm=500, aisle_width_mm=2400, cross_aisle_width_mm=3000, max_weight_g=90_000)
    assert (p.aisle_pitch_mm, p.block_length_mm, p.bay_volume_mm3, p.width_mm) == (
        4200, 4800, 1200 * 900 * 500, 3 * 4200)
    assert [p.aisle_x(a) for a in (1, 2, 3)] == [2100, 6300, 10500]
    assert p.cross_aisle_ys() == [1500, 1500 + 3000 + 4800, 1500 + 2 * (3000 + 4800)]
    specs = {s.code: s for s in generate_layout(p)}
    first = specs["A01-01-1"]
    assert (first.kind, first.x_mm, first.y_mm) == ("storage", 2100, 3000 + 600)  # the bay's middle
    assert (first.block, first.aisle, first.bay, first.level) == (1, 1, 1, 1)
    assert (first.max_volume_mm3, first.max_weight_g) == (1200 * 900 * 500, 90_000)
    # Bays 2k-1 and 2k face each other, the k-th pair k-1 bay widths along the aisle.
    assert [specs[f"A02-{bay:02}-2"].y_mm for bay in range(1, 9)] == [3600, 3600, 4800, 4800, 6000, 6000, 7200, 7200]
    last = specs["B03-08-2"]
    assert (last.x_mm, last.y_mm, last.block, last.aisle, last.bay, last.level) == (
        10500, 9300 + 1500 + 3 * 1200 + 600, 2, 3, 8, 2)
    front = p.cross_aisle_ys()[0]
    stations = {code: (specs[code].kind, specs[code].x_mm, specs[code].y_mm)
                for code in ("DOCK", "PACK", "SHIP", "QUARANTINE")}
    assert stations == {"DOCK": ("dock", 2100, front), "PACK": ("pack", 6300, front),
                        "SHIP": ("ship", 10500, front), "QUARANTINE": ("quarantine", 2100 + 2100, front)}
    assert all(specs[c].block is None and specs[c].max_volume_mm3 is None for c in stations)
    # With an even number of aisles the pack station stands at the left one of the middle two.
    even = {s.code: s for s in generate_layout(LayoutParams(blocks=1, aisles=4, bays_per_aisle=1, levels=1))}
    assert even["PACK"].x_mm == LayoutParams(blocks=1, aisles=4, bays_per_aisle=1, levels=1).aisle_x(2)


def test_a_warehouse_without_a_layout_measures_rectilinear_distance():
    g = Geometry.of(None)
    assert g == Geometry()
    assert travel_distance_mm(g, (0, 0), (3000, 4000)) == 7000


@pytest.mark.parametrize("field", ["bay_width_mm", "bay_depth_mm", "level_height_mm", "aisle_width_mm",
                                   "cross_aisle_width_mm", "max_weight_g"])
def test_every_dimension_must_be_positive_and_one_millimetre_will_do(field):
    base = {"blocks": 1, "aisles": 1, "bays_per_aisle": 1, "levels": 1}
    with pytest.raises(ValueError, match=f"{field} must be positive"):
        LayoutParams(**base, **{field: 0})
    with pytest.raises(ValueError, match=field):
        LayoutParams(**base, **{field: -5})
    assert getattr(LayoutParams(**base, **{field: 1}), field) == 1


def test_a_layout_has_at_most_26_blocks_one_letter_each():
    assert location_code(26, 1, 1, 1) == "Z01-01-1"
    LayoutParams(blocks=26, aisles=1, bays_per_aisle=1, levels=1)
    with pytest.raises(ValueError, match="blocks must be at most 26"):
        LayoutParams(blocks=27, aisles=1, bays_per_aisle=1, levels=1)
    with pytest.raises(ValueError, match="levels must be at least 1"):
        LayoutParams(blocks=1, aisles=1, bays_per_aisle=1, levels=0)
