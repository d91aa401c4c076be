"""A layout whose dock and pack station stand in the middle of the front
cross aisle, between aisles, with a drop point on the back cross aisle:
the layout API places them, putaway measures from the real dock, and the
waves route every pick list exactly from the pack station (checked against
an independent exact tour on the true walking distances)."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from tests.factories import put_stock
from tests.fulfillment.conftest import assert_problem, ok, place, plan
from wms.facility.models import Location, Warehouse
from wms.facility.rules import Geometry, LayoutParams, travel_distance_mm
from wms.facility.services import station
from wms.inventory.tasks import plan_putaway_for

PARAMS = LayoutParams(blocks=1, aisles=4, bays_per_aisle=4, levels=1)
BETWEEN = PARAMS.aisle_x(2) + PARAMS.aisle_pitch_mm // 2 - 700  # between aisles 2 and 3, nearer aisle 2
LAYOUT = {"blocks": 1, "aisles": 4, "bays_per_aisle": 4, "levels": 1,
          "stations": {"dock_x_mm": BETWEEN, "pack_x_mm": BETWEEN},
          "drop_points_x_mm": [BETWEEN + 300]}


def middle_warehouse(admin_api) -> None:
    ok(admin_api.post("/warehouses", json={"code": "MID", "name": "Middle", "country": "US", "timezone": "UTC"}), 201)
    made = ok(admin_api.post("/warehouses/MID/layout", json=LAYOUT), 201)
    assert made["stations"]["pack_x_mm"] == made["stations"]["dock_x_mm"] == BETWEEN
    assert made["drop_points_x_mm"] == [BETWEEN + 300]


def locations(session) -> dict[str, Location]:
    wh = session.scalars(select(Warehouse).where(Warehouse.code == "MID")).one()
    return {loc.code: loc for loc in session.scalars(select(Location).where(Location.warehouse_id == wh.id))}


def test_the_layout_api_places_stations_and_drop_points(world, admin_api, session):
    middle_warehouse(admin_api)
    at = locations(session)
    front, back = PARAMS.cross_aisle_ys()
    assert (at["PACK"].x_mm, at["PACK"].y_mm) == (at["DOCK"].x_mm, at["DOCK"].y_mm) == (BETWEEN, front)
    assert (at["DROP-01"].kind, at["DROP-01"].x_mm, at["DROP-01"].y_mm) == ("storage", BETWEEN + 300, back)
    assert at["SHIP"].x_mm == PARAMS.aisle_x(4)  # not given: its default place
    session.commit()


def test_a_station_off_the_front_cross_aisle_is_refused_naming_the_field(world, admin_api, nothing_written):
    ok(admin_api.post("/warehouses", json={"code": "MID", "name": "Middle", "country": "US", "timezone": "UTC"}), 201)
    bad = {**LAYOUT, "stations": {"pack_x_mm": PARAMS.width_mm + 1}, "drop_points_x_mm": [100, 100]}
    with nothing_written():
        r = admin_api.post("/warehouses/MID/layout", json=bad)
    assert_problem(r, 422, "validation_error")
    assert set(r.json["errors"]) == {"stations.pack_x_mm", "drop_points_x_mm.1"}


def test_putaway_measures_from_a_dock_between_aisles(world, admin_api, session):
    middle_warehouse(admin_api)
    at = locations(session)
    wh_id = at["DOCK"].warehouse_id
    plan_ = plan_putaway_for(session, wh_id, station(session, wh_id, "dock"), world.skus_a[0], 5)
    by_id = {loc.id: code for code, loc in at.items()}
    # Nearest: the first bays of aisle 2 (the dock is 1,350 mm from it), not aisle 1 where the dock used to be.
    assert [(by_id[loc_id], qty) for loc_id, qty in plan_] == [("A02-01-1", 5)]
    session.commit()


def exact_tour_mm(depot, points) -> int:
    g = Geometry.of(PARAMS)
    nodes = [depot, *sorted(set(points) - {depot})]
    best = None
    for perm in itertools.permutations(range(1, len(nodes))):
        seq = (0, *perm, 0)
        length = sum(travel_distance_mm(g, nodes[a], nodes[b]) for a, b in itertools.pairwise(seq))
        best = length if best is None else min(best, length)
    return best or 0


def test_waves_route_exactly_from_a_pack_station_between_aisles(world, apis, session):
    middle_warehouse(apis.admin)
    wh = session.scalars(select(Warehouse).where(Warehouse.code == "MID")).one()
    put_stock(session, wh, "DROP-01", world.skus_a[0], 20)  # A-1 only at the drop point on the back
    put_stock(session, wh, "A01-03-1", world.skus_a[1], 20)
    put_stock(session, wh, "A04-06-1", world.skus_a[1], 20)
    session.commit()
    for lines in ([("A-1", 1)], [("A-2", 2)], [("A-1", 1), ("A-2", 1)], [("A-2", 1)]):
        assert place(apis.acme, *lines, warehouse="MID")["status"] == "allocated"

    wave = plan(apis.admin, warehouse="MID", cart_capacity_units=2)

    at = locations(session)
    pack = (at["PACK"].x_mm, at["PACK"].y_mm)
    walked = 0
    for pick_list in wave["pick_lists"]:
        points = [(at[p["location"]].x_mm, at[p["location"]].y_mm) for p in pick_list["picks"]]
        g = Geometry.of(PARAMS)
        tour = [pack, *points, pack]
        length = sum(travel_distance_mm(g, a, b) for a, b in itertools.pairwise(tour))
        assert round(length / 1000, 3) == pick_list["distance_m"] == exact_tour_mm(pack, points) / 1000
        assert pick_list["largest_gap_distance_m"] >= pick_list["distance_m"]
        walked += length
    assert wave["distance_m"] == walked / 1000
    assert wave["distance_m"] <= wave["fcfs_distance_m"]
    session.commit()
