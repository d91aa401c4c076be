"""Master data: /warehouses, their generated layout and their locations."""
from __future__ import annotations

import re

from tests.api.conftest import assert_problem, walk_pages

NEW_WAREHOUSE = {"code": "UK1", "name": "Felixstowe", "country": "GB", "timezone": "Europe/London"}
LAYOUT = {"blocks": 2, "aisles": 3, "bays_per_aisle": 4, "levels": 2, "bay_width_mm": 1200,
          "aisle_width_mm": 2800, "cross_aisle_width_mm": 3500}


def test_an_admin_creates_a_warehouse_and_reads_it_back(admin_api):
    r = admin_api.post("/warehouses", json=NEW_WAREHOUSE)

    assert r.status_code == 201, r.json
    assert {k: r.json[k] for k in NEW_WAREHOUSE} == NEW_WAREHOUSE
    assert r.json["layout"] is None
    got = admin_api.get("/warehouses/UK1")
    assert got.status_code == 200
    assert got.json == r.json


def test_the_warehouse_list_holds_every_warehouse(world, admin_api):
    admin_api.post("/warehouses", json=NEW_WAREHOUSE)

    r = admin_api.get("/warehouses")

    assert r.status_code == 200
    assert [w["code"] for w in r.json["items"]] == ["WH1", "WH2", "UK1"]
    assert r.json["next_cursor"] is None


def test_a_warehouse_code_is_unique(world, admin_api, nothing_written):
    with nothing_written():
        r = admin_api.post("/warehouses", json={**NEW_WAREHOUSE, "code": "WH1"})
    assert_problem(r, 409, "conflict")


def test_an_unknown_warehouse_is_not_found(world, admin_api):
    assert_problem(admin_api.get("/warehouses/NOPE"), 404, "not_found")


def test_a_layout_generates_named_storage_locations_and_the_stations(admin_api):
    admin_api.post("/warehouses", json=NEW_WAREHOUSE)

    r = admin_api.post("/warehouses/UK1/layout", json=LAYOUT)

    assert r.status_code == 201, r.json
    storage = 2 * 3 * (2 * 4) * 2  # blocks x aisles x bays on both sides x levels
    # plus DOCK, PACK, SHIP and QUARANTINE
    assert r.json["locations"] == storage + 4
    assert r.json["warehouse"] == "UK1"
    assert len(r.json["cross_aisles_y_mm"]) == 3
    codes = {loc["code"]: loc for loc in walk_pages(admin_api, "/warehouses/UK1/locations", 500)}
    assert {"DOCK", "PACK", "SHIP"} <= set(codes)
    assert {"A01-01-1", "A03-08-2", "B02-05-1"} <= set(codes)
    named = [c for c, loc in codes.items() if loc["kind"] == "storage"]
    assert len(named) == storage
    assert all(re.fullmatch(r"[AB]0[1-3]-0[1-8]-[12]", c) for c in named)
    assert codes["DOCK"]["kind"] == "dock" and codes["PACK"]["kind"] == "pack" and codes["SHIP"]["kind"] == "ship"
    assert codes["A01-01-1"]["x_mm"] is not None and codes["A01-01-1"]["y_mm"] is not None
    assert admin_api.get("/warehouses/UK1").json["layout"]["aisles"] == 3


def test_a_warehouse_gets_only_one_layout(admin_api, nothing_written):
    admin_api.post("/warehouses", json=NEW_WAREHOUSE)
    admin_api.post("/warehouses/UK1/layout", json=LAYOUT)

    with nothing_written():
        r = admin_api.post("/warehouses/UK1/layout", json=LAYOUT)
    assert_problem(r, 409, "conflict")


def test_a_layout_for_an_unknown_warehouse_is_not_found(admin_api):
    assert_problem(admin_api.post("/warehouses/NOPE/layout", json=LAYOUT), 404, "not_found")


def test_an_admin_adds_locations_by_hand(world, admin_api):
    r = admin_api.post("/warehouses/WH1/locations", json={"locations": [
        {"code": "Q-2", "kind": "quarantine"},
        {"code": "Z01-01-1", "kind": "storage", "aisle": 9, "bay": 1, "level": 1, "x_mm": 40000, "y_mm": 2000,
         "max_volume_mm3": 500_000_000, "max_weight_g": 100_000},
    ]})

    assert r.status_code == 201, r.json
    assert [(loc["code"], loc["kind"]) for loc in r.json["locations"]] == [("Q-2", "quarantine"),
                                                                        ("Z01-01-1", "storage")]
    assert r.json["locations"][1]["max_weight_g"] == 100_000
    listed = admin_api.get("/warehouses/WH1/locations", query_string={"kind": "quarantine"}).json["items"]
    assert {loc["code"] for loc in listed} == {"QUARANTINE", "Q-2"}


def test_a_location_code_is_unique_in_its_warehouse(world, admin_api, nothing_written):
    with nothing_written():
        r = admin_api.post("/warehouses/WH1/locations", json={"locations": [{"code": "DOCK", "kind": "dock"}]})
    assert_problem(r, 409, "conflict")
    r = admin_api.post("/warehouses/WH2/locations", json={"locations": [{"code": "DOCK-2", "kind": "dock"}]})
    assert r.status_code == 201


def test_a_location_of_an_unknown_kind_is_refused(world, admin_api, nothing_written):
    with nothing_written():
        r = admin_api.post("/warehouses/WH1/locations", json={"locations": [{"code": "X", "kind": "customer"}]})
    assert_problem(r, 422, "validation_error", "locations.0.kind")


def test_the_location_list_of_a_warehouse_shows_only_its_locations(world, admin_api):
    wh1 = walk_pages(admin_api, "/warehouses/WH1/locations", 500)
    wh2 = walk_pages(admin_api, "/warehouses/WH2/locations", 500)

    assert not {loc["id"] for loc in wh1} & {loc["id"] for loc in wh2}
    assert len([loc for loc in wh1 if loc["kind"] == "storage"]) == 3 * 8 * 2
