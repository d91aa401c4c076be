"""Pick routing: exact optima against brute force, heuristic walks that are
real walks through the layout, and determinism."""
import itertools
import random

import pytest

from fulfillment.routing import (
    HEURISTICS,
    Route,
    cp_sat_tour,
    held_karp,
    ils_tour,
    largest_gap_route,
    long_aisle_tour,
    midpoint_route,
    mip_tour,
    optimal_route,
    ratliff_rosenthal_length,
    return_route,
    route_length_mm,
    s_shape_route,
    walk_length_mm,
)
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm

# Aisle centres 5 m apart (2 m aisle, 1.5 m deep racks), 1 m bays, 2 m cross aisles.
DIMS = {"levels": 1, "bay_width_mm": 1000, "bay_depth_mm": 1500, "aisle_width_mm": 2000, "cross_aisle_width_mm": 2000}


def layout(blocks=1, aisles=3, bays=10):
    return LayoutParams(blocks=blocks, aisles=aisles, bays_per_aisle=bays, **DIMS)


def front(p):
    return p.cross_aisle_ys()[0]


def random_picks(p, n, rng):
    return [(p.aisle_x(rng.randint(1, p.aisles)),
             p.bay_y(rng.randint(1, p.blocks), rng.randint(1, 2 * p.bays_per_aisle))) for _ in range(n)]


def brute_force(p, depot, picks):
    """Shortest tour over all orders of the distinct points (picks at one point are taken together)."""
    g = Geometry.of(p)
    points = sorted(set(picks) - {depot})
    nodes = [depot, *points]
    d = [[travel_distance_mm(g, a, b) for b in nodes] for a in nodes]
    best = None
    for perm in itertools.permutations(range(1, len(nodes))):
        seq = (0, *perm, 0)
        length = sum(d[a][b] for a, b in itertools.pairwise(seq))
        best = length if best is None else min(best, length)
    return best or 0


def assert_valid(p, depot, picks, route: Route):
    assert sorted(route.order) == list(range(len(picks)))  # every pick exactly once
    assert route.distance_mm == route_length_mm(p, depot, picks, route.order)


def single_block_cases():
    rng = random.Random(20240501)
    cases = []
    for k in range(40):
        p = layout(aisles=rng.randint(1, 6), bays=rng.randint(1, 8))
        xs = [p.aisle_x(a) for a in range(1, p.aisles + 1)]
        depot_x = rng.choice([xs[0], rng.choice(xs), xs[0] - 1700, xs[-1] + 900, rng.randint(xs[0], xs[-1])])
        picks = random_picks(p, rng.randint(1, 7), rng)
        if k % 5 == 0:
            picks.append(picks[0])  # two picks at one point
        cases.append((p, (depot_x, front(p)), picks))
    return cases


@pytest.mark.parametrize("p,depot,picks", single_block_cases())
def test_the_single_block_dynamic_program_finds_the_shortest_tour(p, depot, picks):
    route = optimal_route(p, depot, picks)
    assert route.method == "ratliff-rosenthal"
    assert_valid(p, depot, picks, route)
    assert route.distance_mm == brute_force(p, depot, picks)
    assert route.lower_bound_mm == route.distance_mm  # proven
    assert ratliff_rosenthal_length(p, depot, picks) == route.distance_mm


def test_the_dynamic_program_takes_points_anywhere_on_the_aisle_network():
    p = layout(aisles=4, bays=5)
    lo, hi = p.cross_aisle_ys()
    rng = random.Random(7)
    for _ in range(20):
        # A depot on the back cross aisle between aisles, picks on both cross aisles and at aisle ends.
        depot = (p.aisle_x(2) + 1234, hi)
        picks = random_picks(p, 4, rng) + [(p.aisle_x(3) + 700, lo), (p.aisle_x(1), hi), (p.aisle_x(4), lo)]
        route = optimal_route(p, depot, picks)
        assert route.method == "ratliff-rosenthal"
        assert_valid(p, depot, picks, route)
        assert route.distance_mm == brute_force(p, depot, picks)


def test_points_off_the_network_are_routed_on_the_distance_matrix():
    p = layout(aisles=3)
    depot = (p.aisle_x(1), front(p))
    picks = [(p.aisle_x(2), 5000), (777, 6000), (p.aisle_x(3), 9000)]  # (777, 6000) is inside a rack
    route = optimal_route(p, depot, picks, exact=True)
    assert route.method != "ratliff-rosenthal"
    assert_valid(p, depot, picks, route)
    assert route.distance_mm == brute_force(p, depot, picks)


def multi_block_cases():
    rng = random.Random(99)
    cases = []
    for _ in range(12):
        p = layout(blocks=rng.randint(2, 3), aisles=rng.randint(2, 6), bays=rng.randint(2, 6))
        depot = (p.aisle_x(rng.randint(1, p.aisles)), front(p))
        cases.append((p, depot, random_picks(p, rng.randint(1, 7), rng)))
    return cases


@pytest.mark.parametrize("p,depot,picks", multi_block_cases())
def test_the_exact_multi_block_route_is_the_shortest_tour(p, depot, picks):
    exact = optimal_route(p, depot, picks, exact=True)
    assert_valid(p, depot, picks, exact)
    best = brute_force(p, depot, picks)
    assert exact.distance_mm == best
    heuristic = optimal_route(p, depot, picks, seed=3)
    assert_valid(p, depot, picks, heuristic)
    assert heuristic.distance_mm >= best


@pytest.mark.parametrize("p,depot,picks", multi_block_cases()[:6])
def test_the_long_aisle_first_tour_is_a_real_tour(p, depot, picks):
    order = long_aisle_tour(p, depot, picks)
    assert sorted(order) == list(range(len(picks)))
    assert route_length_mm(p, depot, picks, order) >= brute_force(p, depot, picks)
    assert long_aisle_tour(p, depot, [(777, 5000)]) is None  # off the aisle network


def test_held_karp_and_cp_sat_agree_on_larger_tours():
    p = layout(blocks=2, aisles=8, bays=10)
    rng = random.Random(5)
    g = Geometry.of(p)
    for _ in range(2):
        nodes = [(p.aisle_x(1), front(p)), *sorted(set(random_picks(p, 9, rng)))]
        d = [[travel_distance_mm(g, a, b) for b in nodes] for a in nodes]
        hk, tour = held_karp(d)
        assert sorted(tour) == list(range(1, len(nodes)))
        cp, cp_tour, bound, proven = cp_sat_tour(d, time_limit_s=10, seed=1)
        assert proven and hk == cp == bound


def test_a_multi_block_route_is_deterministic_for_a_seed():
    p = layout(blocks=2, aisles=10, bays=10)
    rng = random.Random(11)
    picks = random_picks(p, 25, rng)
    depot = (p.aisle_x(5), front(p))
    first = optimal_route(p, depot, picks, seed=4, time_limit_s=30)
    assert first.method == "ils"
    assert_valid(p, depot, picks, first)
    assert optimal_route(p, depot, picks, seed=4, time_limit_s=30) == first


def test_no_picks_is_an_empty_tour():
    p = layout()
    route = optimal_route(p, (p.aisle_x(1), front(p)), [])
    assert (route.order, route.distance_mm) == ([], 0)
    assert s_shape_route(p, (p.aisle_x(1), front(p)), []).distance_mm == 0


def test_the_heuristics_walk_the_textbook_routes():
    # Three aisles 5 m apart, 12 m between the cross aisle centre lines; picks 3.5 m deep in aisles 1 and 3.
    p = layout(aisles=3, bays=10)
    lo, hi = p.cross_aisle_ys()
    assert hi - lo == 12000
    depot = (p.aisle_x(1), lo)
    picks = [(p.aisle_x(1), lo + 3500), (p.aisle_x(3), lo + 3500)]
    assert s_shape_route(p, depot, picks).distance_mm == 12000 + 10000 + 12000 + 10000
    assert return_route(p, depot, picks).distance_mm == 7000 + 10000 + 7000 + 10000
    # First and last pick aisles are traversed by largest gap and midpoint.
    assert largest_gap_route(p, depot, picks).distance_mm == 44000
    assert midpoint_route(p, depot, picks).distance_mm == 44000
    assert optimal_route(p, depot, picks).distance_mm == 34000
    # A middle aisle with one pick near the back is served from the back by largest gap.
    picks.append((p.aisle_x(2), hi - 2000))
    assert largest_gap_route(p, depot, picks).distance_mm == 12000 + 10000 + 2 * 2000 + 12000 + 10000
    assert midpoint_route(p, depot, picks).distance_mm == 12000 + 10000 + 2 * 2000 + 12000 + 10000


def assert_real_walk(p, depot, picks, route):
    """The walk goes depot to depot in straight moves along aisles and cross
    aisles, passes every pick in the listed order, and is as long as said."""
    cross = set(p.cross_aisle_ys())
    aisles = {p.aisle_x(a) for a in range(1, p.aisles + 1)}
    walk = route.walk
    assert walk[0] == walk[-1] == depot
    for (x1, y1), (x2, y2) in itertools.pairwise(walk):
        if x1 == x2:
            assert x1 in aisles, (x1, y1, x2, y2)
        else:
            assert y1 == y2 and y1 in cross, (x1, y1, x2, y2)
    assert route.distance_mm == walk_length_mm(walk)
    want = [picks[i] for i in route.order]
    k = 0
    for a, b in itertools.pairwise(walk):
        while k < len(want) and on_segment(want[k], a, b):
            k += 1
    assert k == len(want)


def on_segment(q, a, b):
    return min(a[0], b[0]) <= q[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= q[1] <= max(a[1], b[1]) and (
        a[0] == b[0] == q[0] or a[1] == b[1] == q[1])


@pytest.mark.parametrize("blocks", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(HEURISTICS))
def test_heuristic_walks_are_valid_and_never_beat_the_optimum(blocks, name):
    rng = random.Random(blocks * 100 + len(name))
    for k in range(25):
        p = layout(blocks=blocks, aisles=rng.randint(1, 7), bays=rng.randint(2, 8))
        depot = (p.aisle_x(rng.choice([1, (p.aisles + 1) // 2, p.aisles])), front(p))
        picks = random_picks(p, rng.randint(1, 6 if k % 2 else 12), rng)
        route = HEURISTICS[name](p, depot, picks)
        assert route.method == name
        assert sorted(route.order) == list(range(len(picks)))
        assert_real_walk(p, depot, picks, route)
        # Walking its order by shortest paths is never longer than its walk, nor shorter than the optimum.
        best = optimal_route(p, depot, picks, exact=True).distance_mm
        assert route.distance_mm >= route_length_mm(p, depot, picks, route.order) >= best


def test_heuristics_need_picks_on_aisles_and_the_depot_on_the_front_cross_aisle():
    p = layout()
    with pytest.raises(ValueError, match="not on an aisle"):
        s_shape_route(p, (p.aisle_x(1), front(p)), [(777, 5000)])
    with pytest.raises(ValueError, match="front cross aisle"):
        largest_gap_route(p, (p.aisle_x(1), 5000), [(p.aisle_x(2), 5000)])


def test_route_length_is_the_closed_walk_by_shortest_paths():
    p = layout(aisles=2, bays=10)
    lo, hi = p.cross_aisle_ys()
    depot = (p.aisle_x(1), lo)
    a, b = (p.aisle_x(1), lo + 4000), (p.aisle_x(2), hi - 1000)
    # Out 4 m up aisle 1; to b over the back (8 + 5 + 1 m); back to the depot over the front (11 + 5 m).
    assert route_length_mm(p, depot, [a, b], [0, 1]) == 4000 + 14000 + 16000
    with pytest.raises(ValueError):
        route_length_mm(p, depot, [a], [1])


def cross_aisle_cases():
    """Small single-block instances with points anywhere a layout can hold
    them: picks in aisles and on both cross aisles between aisles (or beyond
    the outer aisles), the depot anywhere on the front or back cross aisle."""
    rng = random.Random(20261202)
    cases = []
    for k in range(60):
        p = layout(aisles=rng.randint(1, 6), bays=rng.randint(1, 6))
        lo, hi = p.cross_aisle_ys()
        span = (p.aisle_x(1) - p.aisle_pitch_mm // 2, p.aisle_x(p.aisles) + p.aisle_pitch_mm // 2)
        depot = (rng.randint(*span), lo if k % 4 else hi)
        picks = [(rng.randint(*span), rng.choice((lo, hi))) for _ in range(rng.randint(1, 3))]
        picks += random_picks(p, rng.randint(0, 4), rng)
        rng.shuffle(picks)
        cases.append((p, depot, picks))
    return cases


@pytest.mark.parametrize("p,depot,picks", cross_aisle_cases())
def test_the_dynamic_program_is_exact_with_cross_aisle_points_and_any_depot(p, depot, picks):
    route = optimal_route(p, depot, picks)
    assert route.method == "ratliff-rosenthal"
    assert_valid(p, depot, picks, route)
    assert route.distance_mm == brute_force(p, depot, picks)
    assert ratliff_rosenthal_length(p, depot, picks) == route.distance_mm


def test_a_tour_may_need_an_aisle_outside_the_span_of_the_points():
    # Issue 14's cases: 7 aisles with the default dimensions, aisle 1 at x 2050 and aisle 2 at x 6150.
    p = LayoutParams(blocks=1, aisles=7, bays_per_aisle=12, levels=1)
    lo, hi = p.cross_aisle_ys()
    cases = [((4100, lo), [(4275, hi)], 37_850), ((5100, lo), [(5000, hi)], 34_400),
             ((5100, lo), [(5000, hi), (5100, lo)], 34_400)]
    for depot, picks, length in cases:
        route = optimal_route(p, depot, picks)
        assert_valid(p, depot, picks, route)
        # Along the front to aisle 2, up it, along the back to the pick, and the same way back.
        assert route.distance_mm == brute_force(p, depot, picks) == length


def test_the_visiting_order_follows_the_largest_gap_when_it_is_an_aisles_last_gap():
    # Aisles 1 and 3 are traversed; aisle 2 is entered from both ends, and its
    # largest gap lies between its last two picks.
    p = layout(aisles=3, bays=10)
    lo, hi = p.cross_aisle_ys()
    depot = (p.aisle_x(1), lo)
    picks = [(p.aisle_x(1), hi - 500), (p.aisle_x(3), lo + 6000), (p.aisle_x(2), lo + 1000),
             (p.aisle_x(2), lo + 2000), (p.aisle_x(2), hi - 1000)]
    route = optimal_route(p, depot, picks)
    assert_valid(p, depot, picks, route)
    assert route.distance_mm == brute_force(p, depot, picks) == 2 * (hi - lo) + 2 * 10_000 + 2 * 2000 + 2 * 1000


def textbook_gap_length(p, depot, picks, split):
    """The textbook largest gap / midpoint walk in one block, for a depot
    anywhere on the front cross aisle: the outermost pick aisles are
    traversed, the front and back cross aisles are each walked once between
    them (plus the way to and from a depot outside them), and every other
    pick aisle is entered from the front up to its split and from the back
    down to it. split(lo, hi, ys) is the number of ys served from the front."""
    lo, hi = p.cross_aisle_ys()
    ys_of = {}
    for x, y in picks:
        ys_of.setdefault(x, set()).add(y)
    left, right = min(ys_of), max(ys_of)
    outside = 2 * max(0, left - depot[0], depot[0] - right)
    if left == right:
        return outside + 2 * (max(ys_of[left]) - lo)
    total = outside + 2 * (right - left) + 2 * (hi - lo)
    for x, ys in ys_of.items():
        if x in (left, right):
            continue
        ys = sorted(ys)
        k = split(lo, hi, ys)
        total += 2 * ((ys[k - 1] - lo) if k else 0) + 2 * ((hi - ys[k]) if k < len(ys) else 0)
    return total


def largest_gap_split(lo, hi, ys):
    stops = [lo, *ys, hi]
    gaps = [b - a for a, b in itertools.pairwise(stops)]
    return gaps.index(max(gaps))


def midpoint_split(lo, hi, ys):
    return sum(1 for y in ys if y <= (lo + hi) / 2)


@pytest.mark.parametrize("name,split", [("largest-gap", largest_gap_split), ("midpoint", midpoint_split)])
def test_largest_gap_and_midpoint_are_the_textbook_walks_for_a_depot_inside_the_pick_aisles(name, split):
    rng = random.Random(len(name))
    for _ in range(60):
        p = layout(aisles=rng.randint(3, 8), bays=rng.randint(2, 10))
        picks = random_picks(p, rng.randint(2, 14), rng)
        xs = sorted({x for x, _ in picks})
        depot = (rng.randint(xs[0], xs[-1]), front(p))  # between the outermost pick aisles (or on one)
        route = HEURISTICS[name](p, depot, picks)
        assert_real_walk(p, depot, picks, route)
        assert route.distance_mm == textbook_gap_length(p, depot, picks, split)


def test_held_karp_vectorised_by_subset_size_matches_brute_force():
    rng = random.Random(31)
    for n in range(2, 8):
        m = [[0 if i == j else rng.randint(1, 50) for j in range(n + 1)] for i in range(n + 1)]
        length, tour = held_karp(m)
        assert sorted(tour) == list(range(1, n + 1))
        assert length == sum(m[a][b] for a, b in itertools.pairwise([0, *tour, 0]))
        assert length == min(sum(m[a][b] for a, b in itertools.pairwise([0, *perm, 0]))
                             for perm in itertools.permutations(range(1, n + 1)))


def test_an_exact_multi_block_route_says_it_is_proven_and_a_heuristic_one_does_not():
    p = layout(blocks=2, aisles=4, bays=5)
    rng = random.Random(21)
    depot = (p.aisle_x(2), front(p))
    for n in (3, 8, 16):
        picks = random_picks(p, n, rng)
        exact = optimal_route(p, depot, picks, exact=True, time_limit_s=10)
        assert exact.method in ("held-karp", "mip-subtour") and exact.optimal
        assert exact.lower_bound_mm == exact.distance_mm
        fast = optimal_route(p, depot, picks)
        if len(set(picks) - {depot}) <= 12:  # small lists are exact anyway
            assert fast.method == "held-karp" and fast.optimal and fast == exact
        else:
            assert fast.method == "ils" and not fast.optimal and fast.lower_bound_mm is None
            assert fast.distance_mm >= exact.distance_mm
    assert optimal_route(p, depot, []).optimal
    assert optimal_route(layout(), depot, random_picks(layout(), 5, rng)).optimal  # the single-block program
    assert not s_shape_route(layout(), depot, random_picks(layout(), 5, rng)).optimal


def test_a_point_where_an_aisle_left_of_the_first_would_be_is_off_the_network():
    p = layout(aisles=3)
    depot = (p.aisle_x(1), front(p))
    picks = [(p.aisle_x(0), 5000), (p.aisle_x(2), 6000)]  # x < 0: beyond the left wall
    route = optimal_route(p, depot, picks)
    assert route.method != "ratliff-rosenthal"
    assert_valid(p, depot, picks, route)


def test_the_subtour_program_and_the_local_search_agree_with_held_karp():
    p = layout(blocks=2, aisles=6, bays=8)
    g = Geometry.of(p)
    rng = random.Random(41)
    for _ in range(4):
        nodes = [(p.aisle_x(rng.randint(1, p.aisles)), front(p)), *sorted(set(random_picks(p, 12, rng)))]
        d = [[travel_distance_mm(g, a, b) for b in nodes] for a in nodes]
        best, _ = held_karp(d)
        length, tour, bound, proven = mip_tour(d, time_limit_s=30)
        assert proven and length == bound == best
        assert sorted(tour) == list(range(1, len(nodes)))
        assert length == sum(d[a][b] for a, b in itertools.pairwise([0, *tour, 0]))
        ils = ils_tour(d, kicks=100, seed=2)
        assert sorted(ils) == list(range(1, len(nodes)))
        assert sum(d[a][b] for a, b in itertools.pairwise([0, *ils, 0])) == best


def test_the_local_search_improves_a_bad_first_tour_and_is_seeded():
    p = layout(blocks=3, aisles=8, bays=8)
    g = Geometry.of(p)
    rng = random.Random(3)
    nodes = [(p.aisle_x(1), front(p)), *sorted(set(random_picks(p, 30, rng)))]
    d = [[travel_distance_mm(g, a, b) for b in nodes] for a in nodes]
    worst_first = sorted(range(1, len(nodes)), key=lambda i: (i % 2, nodes[i][1], nodes[i][0]))

    def length(tour):
        return sum(d[a][b] for a, b in itertools.pairwise([0, *tour, 0]))

    descent = ils_tour(d, initial=worst_first, kicks=0)
    kicked = ils_tour(d, initial=worst_first, kicks=150, seed=5)
    assert length(kicked) <= length(descent) < length(worst_first)
    assert ils_tour(d, initial=worst_first, kicks=150, seed=5) == kicked
    best, _, _, proven = mip_tour(d, time_limit_s=60, initial=kicked)
    assert proven and length(kicked) >= best


def test_an_exact_route_stopped_by_its_time_limit_says_it_is_not_proven():
    p = layout(blocks=2, aisles=10, bays=20)
    rng = random.Random(8)
    depot = (p.aisle_x(1), front(p))
    picks = random_picks(p, 40, rng)
    route = optimal_route(p, depot, picks, exact=True, time_limit_s=0.001)
    assert_valid(p, depot, picks, route)
    assert route.method == "ils" and not route.optimal
    assert route.lower_bound_mm is not None and route.lower_bound_mm < route.distance_mm


def middle_cross_aisle_cases():
    """Two or three blocks, picks on aisles and where aisles meet a middle
    cross aisle (and the front and back ones), the depot at an aisle."""
    rng = random.Random(314)
    cases = []
    for k in range(60):
        p = layout(blocks=rng.choice([2, 3]), aisles=rng.randint(1, 6), bays=rng.randint(2, 6))
        cross = p.cross_aisle_ys()
        depot = (p.aisle_x(rng.randint(1, p.aisles)), front(p))
        picks = random_picks(p, rng.randint(0, 4), rng)
        for _ in range(rng.randint(1, 3)):
            y = rng.choice(cross[1:-1]) if k % 3 else rng.choice(cross)
            picks.append((p.aisle_x(rng.randint(1, p.aisles)), y))
        cases.append((p, depot, picks))
    return cases


@pytest.mark.parametrize("name", sorted(HEURISTICS))
def test_multi_block_heuristics_with_picks_on_a_middle_cross_aisle(name):
    for p, depot, picks in middle_cross_aisle_cases():
        route = HEURISTICS[name](p, depot, picks)
        assert sorted(route.order) == list(range(len(picks)))
        assert_real_walk(p, depot, picks, route)  # passes every pick, where it stands on the middle cross aisle
        best = brute_force(p, depot, picks)
        assert route.distance_mm >= route_length_mm(p, depot, picks, route.order) >= best
        assert optimal_route(p, depot, picks).distance_mm == best


def test_multi_block_heuristics_refuse_a_pick_between_aisles_on_a_middle_cross_aisle():
    p = layout(blocks=2, aisles=3, bays=4)
    mid = p.cross_aisle_ys()[1]
    depot = (p.aisle_x(1), front(p))
    picks = [(p.aisle_x(2), p.bay_y(1, 3)), (p.aisle_x(2) + 1500, mid)]
    for h in HEURISTICS.values():
        with pytest.raises(ValueError, match="pick 1 .* not on an aisle"):
            h(p, depot, picks)
    route = optimal_route(p, depot, picks)  # the optimal route takes it
    assert_valid(p, depot, picks, route)
    assert route.distance_mm == brute_force(p, depot, picks)
