"""Wave planning: which allocated orders go (by ship-by time and carrier),
how they are batched onto carts (capacity in units and volume, never
exceeded), which bins each line is picked from (FEFO, fewest locations,
shortest walk), and the same plan for the same seed."""
from __future__ import annotations

import random
from datetime import date

import pytest

from tests.factories import SkuFactory, put_stock
from tests.fulfillment.conftest import (
    assert_problem,
    get_order,
    ok,
    place,
    plan,
)
from wms.catalog.models import Lot

BIG = (400, 300, 200)  # 24 litres a unit; are 1 litre (200 x 100 x 50 mm)
VOLUME = {"A-1": 1_000_000, "A-2": 1_000_000, "A-3": 24_000_000}


@pytest.fixture
def stocked(world, session):
    """Plenty of A-1, A-2 and the bulky A-3 in WH1, spread over several bins."""
    bulky = SkuFactory(seller=world.seller_a, code="A-3", length_mm=BIG[0], width_mm=BIG[1], height_mm=BIG[2],
                       weight_g=4000)
    session.commit()
    put_stock(session, world.wh1, "A02-03-2", world.skus_a[0], 40)
    put_stock(session, world.wh1, "A03-06-1", world.skus_a[1], 30)
    put_stock(session, world.wh1, "A01-05-2", world.skus_a[1], 30)
    put_stock(session, world.wh1, "A02-07-1", bulky, 30)
    put_stock(session, world.wh1, "A03-02-2", bulky, 30)
    return world


def random_orders(api, seed: int, n: int) -> list[dict]:
    """n allocated orders of 1-3 lines of A-1, A-2 and A-3, 1-3 units each."""
    rng = random.Random(seed)
    made = []
    for _ in range(n):
        skus = rng.sample(["A-1", "A-2", "A-3"], rng.randint(1, 3))
        order = place(api, *[(sku, rng.randint(1, 3)) for sku in skus], warehouse="WH1")
        assert order["status"] == "allocated"
        made.append(order)
    return made


def load(pick_list: dict) -> tuple[int, int]:
    """(units, volume in mm3) of a pick list."""
    return (sum(p["qty"] for p in pick_list["picks"]),
            sum(p["qty"] * VOLUME[p["sku"]] for p in pick_list["picks"]))


def picks_per_order(wave: dict) -> dict[int, dict[str, int]]:
    per: dict[int, dict[str, int]] = {}
    for pick_list in wave["pick_lists"]:
        for p in pick_list["picks"]:
            per.setdefault(p["order_id"], {})
            per[p["order_id"]][p["sku"]] = per[p["order_id"]].get(p["sku"], 0) + p["qty"]
    return per


# --- capacity ---------------------------------------------------------------------------

@pytest.mark.parametrize(("seed", "units", "volume"), [
    (1, 10, None),
    (2, 6, None),
    (3, 12, 60_000_000),
    (4, 30, 50_000_000),
    (5, 8, 30_000_000),
])
def test_no_pick_list_ever_holds_more_than_a_cart_in_units_or_volume(apis, stocked, seed, units, volume):
    orders = random_orders(apis.acme, seed, 12)

    wave = plan(apis.wh1_operator, cart_capacity_units=units,
                **({"cart_capacity_volume_mm3": volume} if volume else {}))

    for pick_list in wave["pick_lists"]:
        got_units, got_volume = load(pick_list)
        assert 0 < got_units <= units, pick_list
        if volume:
            assert got_volume <= volume, pick_list
    # every unit of every order is on exactly one pick list
    assert sorted(wave["orders"]) == sorted(o["id"] for o in orders)
    assert picks_per_order(wave) == {o["id"]: {ln["sku"]: ln["qty"] for ln in o["lines"]} for o in orders}
    for order in orders:
        assert get_order(apis.acme, order["id"])["status"] == "picking"


def test_an_order_larger_than_a_cart_is_picked_alone_over_several_trips(apis, stocked):
    big = place(apis.acme, ("A-1", 9), ("A-2", 5), warehouse="WH1")
    small = place(apis.acme, ("A-2", 2), warehouse="WH1")

    wave = plan(apis.wh1_operator, cart_capacity_units=6)

    assert sorted(wave["orders"]) == sorted([big["id"], small["id"]])
    for pick_list in wave["pick_lists"]:
        assert load(pick_list)[0] <= 6
        on_cart = {p["order_id"] for p in pick_list["picks"]}
        assert big["id"] not in on_cart or on_cart == {big["id"]}  # the big one travels alone
    assert len(wave["pick_lists"]) >= 3  # 14 units of it on carts of 6
    assert picks_per_order(wave)[big["id"]] == {"A-1": 9, "A-2": 5}


def test_an_order_bulkier_than_a_cart_is_split_into_trips_within_the_cart_volume(apis, stocked):
    bulky = place(apis.acme, ("A-3", 5), warehouse="WH1")  # 120 litres

    wave = plan(apis.wh1_operator, cart_capacity_units=50, cart_capacity_volume_mm3=50_000_000)

    assert len(wave["pick_lists"]) >= 3
    for pick_list in wave["pick_lists"]:
        assert load(pick_list)[1] <= 50_000_000, pick_list
    assert picks_per_order(wave) == {bulky["id"]: {"A-3": 5}}


def test_a_wave_reports_its_walking_against_the_baselines(apis, stocked):
    random_orders(apis.acme, 11, 10)

    wave = plan(apis.wh1_operator, cart_capacity_units=12)

    assert wave["distance_m"] > 0
    assert wave["distance_m"] == pytest.approx(sum(pl["distance_m"] for pl in wave["pick_lists"]))
    assert wave["distance_m"] <= wave["baseline_distance_m"] + 1e-9
    assert wave["distance_m"] <= wave["single_order_distance_m"] + 1e-9
    assert ok(apis.wh1_operator.get(f"/waves/{wave['id']}")) == wave


# --- which orders -----------------------------------------------------------------------

def test_orders_due_earliest_are_taken_first_when_max_orders_limits_the_wave(apis, stocked):
    late = place(apis.acme, ("A-1", 1), ship_by="2030-01-03T17:00:00Z")
    undated = place(apis.acme, ("A-1", 1))
    earliest = place(apis.acme, ("A-1", 1), ship_by="2030-01-01T12:00:00Z")
    middle = place(apis.acme, ("A-1", 1), ship_by="2030-01-02T17:00:00Z")

    first = plan(apis.wh1_operator, max_orders=2)
    second = plan(apis.wh1_operator, max_orders=1)
    third = plan(apis.wh1_operator, max_orders=5)

    assert sorted(first["orders"]) == sorted([earliest["id"], middle["id"]])
    assert second["orders"] == [late["id"]]
    assert third["orders"] == [undated["id"]]


def test_within_a_wave_orders_due_earlier_are_on_earlier_pick_lists(apis, stocked):
    due = {}
    for day in (3, 1, 2, 1, 3, 2):
        order = place(apis.acme, ("A-1", 2), ship_by=f"2030-01-0{day}T17:00:00Z")
        due[order["id"]] = day

    wave = plan(apis.wh1_operator, cart_capacity_units=4)

    days = [max(due[p["order_id"]] for p in pl["picks"]) for pl in wave["pick_lists"]]
    assert days == sorted(days)
    for pick_list in wave["pick_lists"]:  # a cart never mixes cut-offs
        assert len({due[p["order_id"]] for p in pick_list["picks"]}) == 1


def test_a_wave_for_one_carrier_takes_only_that_carriers_orders(apis, stocked):
    ups = [place(apis.acme, ("A-1", 1), carrier="UPS") for _ in range(2)]
    dhl = place(apis.acme, ("A-2", 1), carrier="DHL")
    place(apis.acme, ("A-1", 1))  # no carrier yet

    wave = plan(apis.wh1_operator, carrier="UPS")

    assert sorted(wave["orders"]) == sorted(o["id"] for o in ups)
    assert get_order(apis.acme, dhl["id"])["status"] == "allocated"
    assert plan(apis.wh1_operator, carrier="DHL")["orders"] == [dhl["id"]]


def test_a_wave_with_a_cut_off_takes_only_orders_due_by_then(apis, stocked):
    due_today = place(apis.acme, ("A-1", 1), ship_by="2030-01-01T15:00:00Z")
    at_cut_off = place(apis.acme, ("A-1", 1), ship_by="2030-01-01T16:00:00Z")
    tomorrow = place(apis.acme, ("A-1", 1), ship_by="2030-01-02T15:00:00Z")
    undated = place(apis.acme, ("A-1", 1))

    wave = plan(apis.wh1_operator, ship_by_before="2030-01-01T16:00:00Z")

    assert sorted(wave["orders"]) == sorted([due_today["id"], at_cut_off["id"]])
    assert [get_order(apis.acme, o["id"])["status"] for o in (tomorrow, undated)] == ["allocated", "allocated"]


def test_a_wave_takes_only_allocated_orders_of_its_own_warehouse(apis, stocked):
    here = place(apis.acme, ("A-1", 1), warehouse="WH1")
    place(apis.acme, ("A-1", 1), warehouse="WH2")
    place(apis.acme, ("A-2", 500))  # backordered

    assert plan(apis.wh1_operator)["orders"] == [here["id"]]
    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves", json={}), 409, "invalid_state")


# --- determinism ------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_plan(apis, world, session):
    """The same orders and stock in two identical warehouses, planned with the
    same seed, give the same pick lists (bins, quantities, route order)."""
    for wh in (world.wh1, world.wh2):
        for code, sku, qty in (("A01-03-1", 0, 20), ("A02-06-2", 0, 20), ("A03-01-1", 1, 20),
                               ("A03-08-2", 1, 20), ("A02-02-1", 1, 20)):
            put_stock(session, wh, code, world.skus_a[sku], qty)
    rng = random.Random(99)
    specs = [[(sku, rng.randint(1, 3)) for sku in rng.sample(["A-1", "A-2"], rng.randint(1, 2))] for _ in range(10)]
    index = {}
    for warehouse in ("WH1", "WH2"):
        for i, lines in enumerate(specs):
            index[place(apis.acme, *lines, warehouse=warehouse)["id"]] = i

    def shape(wave):
        return [[(p["seq"], p["location"], p["sku"], p["qty"], index[p["order_id"]]) for p in pl["picks"]]
                for pl in wave["pick_lists"]], wave["distance_m"], wave["baseline_distance_m"]

    first = plan(apis.admin, "WH1", seed=7, cart_capacity_units=8, time_limit_s=10)
    second = plan(apis.admin, "WH2", seed=7, cart_capacity_units=8, time_limit_s=10)

    assert shape(first) == shape(second)
    assert first["seed"] == second["seed"] == 7


# --- which bins -------------------------------------------------------------------------

def test_the_lot_that_expires_first_is_picked_first(apis, world, session):
    milk = SkuFactory(seller=world.seller_a, code="MILK", expiry_tracked=True, lot_tracked=True)
    session.add_all([Lot(sku_id=milk.id, lot="L-LATE", expiry=date(2031, 6, 1)),
                     Lot(sku_id=milk.id, lot="L-SOON", expiry=date(2030, 3, 1))])
    session.commit()
    put_stock(session, world.wh1, "A02-01-1", milk, 10, lot="L-LATE")  # next to the pack station, and plenty
    put_stock(session, world.wh1, "A03-08-2", milk, 2, lot="L-SOON")   # far away, and only 2
    put_stock(session, world.wh1, "A01-08-2", milk, 1, lot="L-SOON")

    place(apis.acme, ("MILK", 4))
    wave = plan(apis.wh1_operator)

    picks = sorted((p["lot"], p["location"], p["qty"]) for pl in wave["pick_lists"] for p in pl["picks"])
    assert picks == [("L-LATE", "A02-01-1", 1), ("L-SOON", "A01-08-2", 1), ("L-SOON", "A03-08-2", 2)]


def test_a_line_is_picked_from_one_bin_that_holds_it_all_rather_than_several(apis, world, session):
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 3)  # next to the pack station
    put_stock(session, world.wh1, "A02-02-1", world.skus_a[1], 3)
    put_stock(session, world.wh1, "A03-08-2", world.skus_a[1], 6)  # far away

    place(apis.acme, ("A-2", 6))
    wave = plan(apis.wh1_operator)

    assert [(p["location"], p["qty"]) for p in wave["pick_lists"][0]["picks"]] == [("A03-08-2", 6)]


def test_among_bins_that_hold_it_all_the_nearest_is_chosen(apis, world, session):
    put_stock(session, world.wh1, "A03-08-2", world.skus_a[1], 6)
    put_stock(session, world.wh1, "A02-01-2", world.skus_a[1], 6)
    put_stock(session, world.wh1, "A01-06-1", world.skus_a[1], 6)

    place(apis.acme, ("A-2", 5))
    wave = plan(apis.wh1_operator)

    assert [(p["location"], p["qty"]) for p in wave["pick_lists"][0]["picks"]] == [("A02-01-2", 5)]


def test_with_no_bin_holding_it_all_the_fullest_bins_are_taken_first(apis, world, session):
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 2)
    put_stock(session, world.wh1, "A03-08-2", world.skus_a[1], 5)
    put_stock(session, world.wh1, "A01-04-1", world.skus_a[1], 4)

    place(apis.acme, ("A-2", 8))
    wave = plan(apis.wh1_operator)

    assert sorted((p["location"], p["qty"]) for p in wave["pick_lists"][0]["picks"]) == [
        ("A01-04-1", 3), ("A03-08-2", 5)]


def test_units_promised_to_an_earlier_wave_are_not_planned_twice(apis, world, session):
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 4)   # near
    put_stock(session, world.wh1, "A03-08-2", world.skus_a[1], 4)   # far
    place(apis.acme, ("A-2", 3))
    first = plan(apis.wh1_operator)
    place(apis.acme, ("A-2", 3))

    second = plan(apis.wh1_operator)

    assert [(p["location"], p["qty"]) for p in first["pick_lists"][0]["picks"]] == [("A02-01-1", 3)]
    assert [(p["location"], p["qty"]) for p in second["pick_lists"][0]["picks"]] == [("A03-08-2", 3)]


# --- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"cart_capacity_units": 0}, "cart_capacity_units"),
    ({"cart_capacity_units": -5}, "cart_capacity_units"),
    ({"cart_capacity_units": "ten"}, "cart_capacity_units"),
    ({"cart_capacity_volume_mm3": 0}, "cart_capacity_volume_mm3"),
    ({"max_orders": 0}, "max_orders"),
    ({"time_limit_s": 0}, "time_limit_s"),
    ({"seed": -1}, "seed"),
    ({"ship_by_before": "tomorrow"}, "ship_by_before"),
    ({"ship_by_before": "2030-01-01T16:00:00"}, "ship_by_before"),  # no offset
    ({"carrier": ""}, "carrier"),
])
def test_a_wave_with_bad_parameters_is_refused_naming_the_field(apis, stocked, body, field):
    order = place(apis.acme, ("A-1", 1))

    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves", json=body), 422, "validation_error", field)
    assert get_order(apis.acme, order["id"])["status"] == "allocated"


def test_a_wave_with_no_eligible_orders_is_an_invalid_state(apis, stocked):
    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves", json={}), 409, "invalid_state")
    place(apis.acme, ("A-1", 1), carrier="UPS")
    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves", json={"carrier": "DHL"}), 409, "invalid_state")
    assert_problem(apis.wh1_operator.post("/warehouses/WH1/waves",
                                          json={"ship_by_before": "2030-01-01T00:00:00Z"}), 409, "invalid_state")


def test_a_wave_in_an_unknown_warehouse_is_not_found(apis):
    assert_problem(apis.admin.post("/warehouses/NOPE/waves", json={}), 404, "not_found")
