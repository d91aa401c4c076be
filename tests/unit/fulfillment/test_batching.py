"""Order batching: the exact optimum against brute force, our plan between
the optimum and the FCFS baseline, capacity, cut-offs and determinism."""
import random

import pytest

from fulfillment.batching import (
    BatchPlan,
    OrderSpec,
    exact_batches,
    fcfs_batches,
    plan_batches,
    single_order_batches,
)
from fulfillment.routing import optimal_route
from wms.facility.rules import LayoutParams

DIMS = {"levels": 1, "bay_width_mm": 1000, "bay_depth_mm": 1500, "aisle_width_mm": 2000, "cross_aisle_width_mm": 2000}
P = LayoutParams(blocks=1, aisles=6, bays_per_aisle=15, **DIMS)
DEPOT = (P.aisle_x(1), P.cross_aisle_ys()[0])


def make_orders(n, rng, p=P, lines=(2, 6), due=None, volume=False):
    slots = [(p.aisle_x(a), p.bay_y(b, bay)) for a in range(1, p.aisles + 1) for b in range(1, p.blocks + 1)
             for bay in range(1, 2 * p.bays_per_aisle + 1)]
    orders = []
    for i in range(n):
        k = rng.randint(*lines)
        orders.append(OrderSpec(
            id=100 + i, picks=tuple(rng.sample(slots, k)), units=k,
            volume_mm3=rng.randint(1, 5) * 1000 if volume else 0,
            due=rng.choice(due) if due else None,
        ))
    return orders


def partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest):
        yield [[first], *part]
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1:]]


def route_of(orders, ids, p=P, depot=DEPOT):
    by_id = {o.id: o for o in orders}
    return optimal_route(p, depot, [q for i in ids for q in by_id[i].picks]).distance_mm


def assert_plan_is_sound(plan: BatchPlan, orders, capacity, volume=None, p=P, depot=DEPOT):
    ids = sorted(i for b in plan.batches for i in b)
    assert ids == sorted(o.id for o in orders)  # every order exactly once
    by_id = {o.id: o for o in orders}
    for b in plan.batches:
        assert sum(by_id[i].units for i in b) <= capacity
        if volume is not None:
            assert sum(by_id[i].volume_mm3 for i in b) <= volume
    assert plan.batch_distances_mm == [route_of(orders, b, p, depot) for b in plan.batches]
    assert plan.distance_mm == sum(plan.batch_distances_mm)


@pytest.mark.parametrize("seed", range(6))
def test_exact_batching_is_the_best_partition(seed):
    rng = random.Random(seed)
    orders = make_orders(rng.randint(4, 7), rng)
    capacity = rng.choice([6, 9, 12])
    best = min(
        sum(route_of(orders, [o.id for o in b]) for b in part)
        for part in partitions(orders)
        if all(sum(o.units for o in b) <= capacity for b in part)
    )
    for solver in ("subset-dp", "cp-sat"):
        plan = exact_batches(orders, params=P, depot=DEPOT, capacity_units=capacity, solver=solver, seed=seed)
        assert plan.optimal and plan.distance_mm == best == plan.lower_bound_mm
        assert_plan_is_sound(plan, orders, capacity)


@pytest.mark.parametrize("seed", range(5))
def test_our_plan_lies_between_the_optimum_and_fcfs(seed):
    rng = random.Random(1000 + seed)
    orders = make_orders(12, rng, lines=(2, 8))
    capacity = rng.choice([10, 15, 20])
    exact = exact_batches(orders, params=P, depot=DEPOT, capacity_units=capacity)
    plan = plan_batches(orders, params=P, depot=DEPOT, capacity_units=capacity, seed=seed)
    fcfs = fcfs_batches(orders, params=P, depot=DEPOT, capacity_units=capacity)
    single = single_order_batches(orders, params=P, depot=DEPOT, capacity_units=capacity)
    assert exact.distance_mm <= plan.distance_mm <= fcfs.distance_mm <= single.distance_mm
    assert plan.fcfs_distance_mm == fcfs.distance_mm == exact.fcfs_distance_mm
    assert plan.single_order_distance_mm == single.distance_mm == sum(route_of(orders, [o.id]) for o in orders)
    assert plan.distance_mm <= plan.savings_distance_mm
    assert plan.lower_bound_mm <= exact.distance_mm
    for p in (plan, fcfs, single, exact):
        assert_plan_is_sound(p, orders, capacity)


@pytest.mark.parametrize("mode", ["full", "neighbours"])
def test_carts_are_never_overloaded_by_units_or_volume(mode):
    rng = random.Random(7)
    orders = make_orders(40, rng, lines=(1, 9), volume=True)
    plan = plan_batches(orders, params=P, depot=DEPOT, capacity_units=20, capacity_volume_mm3=12_000, seed=1,
                        full_savings_limit=100 if mode == "full" else 10, neighbours=8, time_limit_s=30)
    assert plan.stats["mode"] == mode
    assert_plan_is_sound(plan, orders, 20, 12_000)
    assert plan.distance_mm < plan.fcfs_distance_mm < plan.single_order_distance_mm


def test_the_plan_is_deterministic_for_a_seed():
    rng = random.Random(3)
    orders = make_orders(25, rng)
    runs = [plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, seed=s, time_limit_s=60) for s in (5, 5)]
    assert runs[0].batches == runs[1].batches and runs[0].distance_mm == runs[1].distance_mm
    assert runs[0].stats["stopped"] == "converged"


def test_orders_due_earlier_are_batched_first_and_never_with_later_ones():
    rng = random.Random(4)
    orders = make_orders(30, rng, due=[17.0, 12.0, None, 15.0])
    plan = plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, seed=0)
    due = {o.id: o.due for o in orders}
    keys = []
    for b in plan.batches:
        assert len({due[i] for i in b}) == 1  # one due group per batch
        d = due[b[0]]
        keys.append(float("inf") if d is None else d)
    assert keys == sorted(keys)  # earliest cut-off first, no cut-off last
    fcfs = fcfs_batches(orders, params=P, depot=DEPOT, capacity_units=15)
    assert all(len({due[i] for i in b}) == 1 for b in fcfs.batches)
    # A due window groups nearby cut-offs: 15.0 and 17.0 fall in one 10-hour window.
    windowed = plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, due_window=10.0)
    assert any({due[i] for i in b} == {15.0, 17.0} for b in windowed.batches)


def test_an_order_larger_than_a_cart_is_refused():
    orders = [OrderSpec(id=1, picks=((P.aisle_x(1), 5000),), units=3),
              OrderSpec(id=2, picks=((P.aisle_x(2), 5000),), units=31)]
    with pytest.raises(ValueError, match="order 2"):
        plan_batches(orders, params=P, depot=DEPOT, capacity_units=30)
    big = [OrderSpec(id=1, picks=((P.aisle_x(1), 5000),), units=3, volume_mm3=900)]
    with pytest.raises(ValueError, match="order 1"):
        exact_batches(big, params=P, depot=DEPOT, capacity_units=30, capacity_volume_mm3=800)
    twice = [orders[0], orders[0]]
    with pytest.raises(ValueError, match="twice"):
        fcfs_batches(twice, params=P, depot=DEPOT, capacity_units=30)


def test_no_orders_is_an_empty_plan():
    plan = plan_batches([], params=P, depot=DEPOT, capacity_units=10)
    assert (plan.batches, plan.distance_mm, plan.fcfs_distance_mm) == ([], 0, 0)


def test_depot_between_aisles_and_a_multi_block_layout():
    rng = random.Random(8)
    orders = make_orders(10, rng)
    depot = (P.aisle_x(3) + 1000, P.cross_aisle_ys()[0])  # between aisles 3 and 4
    exact = exact_batches(orders, params=P, depot=depot, capacity_units=12)
    plan = plan_batches(orders, params=P, depot=depot, capacity_units=12)
    assert_plan_is_sound(plan, orders, 12, depot=depot)
    assert exact.distance_mm <= plan.distance_mm <= plan.fcfs_distance_mm
    two = LayoutParams(blocks=2, aisles=4, bays_per_aisle=6, **DIMS)
    two_depot = (two.aisle_x(1), two.cross_aisle_ys()[0])
    orders = make_orders(8, rng, p=two, lines=(1, 3))
    plan = plan_batches(orders, params=two, depot=two_depot, capacity_units=6)
    assert_plan_is_sound(plan, orders, 6, p=two, depot=two_depot)
    assert plan.distance_mm <= plan.fcfs_distance_mm


def test_the_vectorised_pricer_agrees_with_the_router_for_any_depot_on_a_cross_aisle():
    from fulfillment.batching.pricing import _GridPricer
    from fulfillment.routing import ratliff_rosenthal_length

    rng = random.Random(14)
    for _ in range(80):
        p = LayoutParams(blocks=1, aisles=rng.randint(1, 6), bays_per_aisle=rng.randint(1, 6), **DIMS)
        lo, hi = p.cross_aisle_ys()
        span = (p.aisle_x(1) - p.aisle_pitch_mm // 2, p.aisle_x(p.aisles) + p.aisle_pitch_mm // 2)
        depot = (rng.randint(*span), rng.choice((lo, hi)))  # front or back, between or beside aisles
        ys = [lo, hi, *(p.bay_y(1, bay) for bay in range(1, 2 * p.bays_per_aisle + 1))]
        orders = [[(p.aisle_x(rng.randint(1, p.aisles)), rng.choice(ys)) for _ in range(rng.randint(1, 3))]
                  for _ in range(4)]
        sets = [(0,), (1,), (0, 1), (2, 3), (0, 1, 2, 3)]
        want = [ratliff_rosenthal_length(p, depot, [q for i in s for q in orders[i]]) for s in sets]
        assert _GridPricer(p, depot, orders).price(sets).tolist() == want


def test_a_large_group_is_split_into_zones_of_similar_orders():
    from fulfillment.batching.problem import _Problem
    from fulfillment.batching.search import _features, _zones

    rng = random.Random(12)
    orders = make_orders(90, rng, lines=(1, 3))
    problem = _Problem(orders, P, DEPOT, 15, None, None)
    group = list(range(len(orders)))
    zones = _zones(problem, group, 25)
    assert sorted(i for z in zones for i in z) == group  # a partition
    assert all(12 <= len(z) <= 25 for z in zones)
    assert _zones(problem, group, 25) == zones  # deterministic
    assert _zones(problem, group, 90) == [group]
    # Orders of one zone are closer to each other than to the others, on average.
    feats = _features(problem, group)

    def spread(members):
        f = feats[members]
        return float(((f - f.mean(axis=0)) ** 2).sum(axis=1).mean())

    assert sum(spread(z) for z in zones) / len(zones) < spread(group)


@pytest.mark.parametrize("kwargs", [{"zone_size": 20}, {"merge_batch": 4}, {"zone_size": 20, "merge_batch": 3}])
def test_zones_and_batched_savings_give_sound_plans_better_than_fcfs(kwargs):
    rng = random.Random(13)
    orders = make_orders(60, rng, lines=(1, 5), volume=True)
    plan = plan_batches(orders, params=P, depot=DEPOT, capacity_units=14, capacity_volume_mm3=15_000, seed=2,
                        time_limit_s=60, **kwargs)
    assert_plan_is_sound(plan, orders, 14, 15_000)
    assert plan.distance_mm < plan.fcfs_distance_mm
    if "zone_size" in kwargs:
        assert plan.stats["zones"] == 4 and plan.stats["mode"].startswith("zones+")
    again = plan_batches(orders, params=P, depot=DEPOT, capacity_units=14, capacity_volume_mm3=15_000, seed=2,
                         time_limit_s=60, **kwargs)
    assert (again.batches, again.distance_mm) == (plan.batches, plan.distance_mm)  # deterministic


def test_merge_batch_one_is_clarke_and_wright_ii():
    rng = random.Random(14)
    orders = make_orders(40, rng)
    default = plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, local_search=False)
    one = plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, local_search=False, merge_batch=1)
    many = plan_batches(orders, params=P, depot=DEPOT, capacity_units=15, local_search=False, merge_batch=8)
    assert default.batches == one.batches
    assert many.batches != one.batches  # merges made before their new savings are known differ


def test_a_construction_out_of_time_still_loads_every_order_on_a_cart():
    rng = random.Random(15)
    orders = make_orders(80, rng, lines=(1, 4))
    plan = plan_batches(orders, params=P, depot=DEPOT, capacity_units=12, time_limit_s=0.0, zone_size=30)
    assert plan.stats["savings_stopped"] == plan.stats["zones"] == 4
    assert_plan_is_sound(plan, orders, 12)
    # The sweep fills carts: far fewer batches than orders, and shorter than picking each order alone.
    assert len(plan.batches) < len(orders) / 2
    assert plan.distance_mm < plan.single_order_distance_mm
