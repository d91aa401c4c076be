"""Sellers and SKUs: POST/GET /sellers, POST/GET/PATCH /skus."""
from __future__ import annotations

from tests.api.conftest import assert_problem

NEW_SKU = {
    "code": "A-9", "name": "Teapot", "barcodes": ["4006381333931", "ACME-TEAPOT"], "length_mm": 250,
    "width_mm": 180, "height_mm": 160, "weight_g": 900, "lot_tracked": True, "hs_code": "691200",
    "origin_country": "CN",
}


def test_an_admin_creates_a_seller_and_lists_it(world, admin_api):
    r = admin_api.post("/sellers", json={"code": "GAMMA", "name": "Gamma Ltd"})

    assert r.status_code == 201, r.json
    assert r.json["code"] == "GAMMA"
    codes = [s["code"] for s in admin_api.get("/sellers").json["items"]]
    assert codes == ["ACME", "BETA", "GAMMA"]


def test_a_seller_code_is_unique(world, admin_api, nothing_written):
    with nothing_written():
        assert_problem(admin_api.post("/sellers", json={"code": "ACME", "name": "again"}), 409, "conflict")


def test_a_seller_sees_only_itself_in_the_seller_list(apis):
    assert [s["code"] for s in apis.acme.get("/sellers").json["items"]] == ["ACME"]
    assert [s["code"] for s in apis.beta.get("/sellers").json["items"]] == ["BETA"]


def test_a_seller_creates_a_sku_for_itself(apis):
    r = apis.acme.post("/skus", json=NEW_SKU)

    assert r.status_code == 201, r.json
    assert r.json["seller"] == "ACME"
    assert r.json["code"] == "A-9"
    assert r.json["barcodes"] == ["4006381333931", "ACME-TEAPOT"]
    assert r.json["lot_tracked"] is True and r.json["expiry_tracked"] is False
    assert {k: r.json[k] for k in ("length_mm", "width_mm", "height_mm", "weight_g")} == {
        "length_mm": 250, "width_mm": 180, "height_mm": 160, "weight_g": 900}
    assert apis.acme.get(f"/skus/{r.json['id']}").json == r.json


def test_an_admin_creates_a_sku_for_a_named_seller(apis):
    r = apis.admin.post("/skus", json={**NEW_SKU, "seller": "BETA"})

    assert r.status_code == 201, r.json
    assert r.json["seller"] == "BETA"
    assert apis.beta.get(f"/skus/{r.json['id']}").status_code == 200


def test_an_admin_must_name_the_seller_of_a_new_sku(apis, nothing_written):
    with nothing_written():
        assert_problem(apis.admin.post("/skus", json=NEW_SKU), 422, "validation_error", "seller")
        r = apis.admin.post("/skus", json={**NEW_SKU, "seller": "NOPE"})
        assert_problem(r, 422, "validation_error", "seller")


def test_a_seller_cannot_create_a_sku_for_another_seller(apis, nothing_written):
    with nothing_written():
        r = apis.acme.post("/skus", json={**NEW_SKU, "seller": "BETA"})
    assert_problem(r, 422, "validation_error", "seller")


def test_a_sku_code_is_unique_per_seller_but_not_across_sellers(apis, nothing_written):
    with nothing_written():
        assert_problem(apis.acme.post("/skus", json={**NEW_SKU, "code": "A-1"}), 409, "conflict", "code")
    r = apis.beta.post("/skus", json={**NEW_SKU, "code": "A-1"})
    assert r.status_code == 201, r.json


def test_a_barcode_is_unique_per_seller_but_not_across_sellers(apis, nothing_written):
    # The factory gives SKU A-1 the barcode BA-1.
    with nothing_written():
        r = apis.acme.post("/skus", json={**NEW_SKU, "barcodes": ["BA-1"]})
    assert_problem(r, 409, "conflict", "barcodes")
    assert apis.beta.post("/skus", json={**NEW_SKU, "barcodes": ["BA-1"]}).status_code == 201


def test_skus_are_found_by_code_and_by_barcode(apis, ids):
    by_code = apis.acme.get("/skus", query_string={"code": "A-2"})
    by_barcode = apis.acme.get("/skus", query_string={"barcode": "BA-1"})

    assert [s["id"] for s in by_code.json["items"]] == [ids["A-2"]]
    assert [s["id"] for s in by_barcode.json["items"]] == [ids["A-1"]]
    assert apis.acme.get("/skus", query_string={"code": "NOPE"}).json["items"] == []


def test_the_sku_list_of_a_seller_holds_its_skus(apis):
    assert [s["code"] for s in apis.acme.get("/skus").json["items"]] == ["A-1", "A-2"]
    assert [s["code"] for s in apis.admin.get("/skus").json["items"]] == ["A-1", "A-2", "B-1", "B-2"]


def test_patching_a_sku_changes_only_the_fields_sent(apis, ids):
    before = apis.acme.get(f"/skus/{ids['A-1']}").json

    r = apis.acme.patch(f"/skus/{ids['A-1']}", json={"name": "Blue mug", "weight_g": 450})

    assert r.status_code == 200, r.json
    assert r.json["name"] == "Blue mug" and r.json["weight_g"] == 450
    unchanged = {k: v for k, v in before.items() if k not in ("name", "weight_g", "updated_at")}
    assert {k: r.json[k] for k in unchanged} == unchanged
    assert apis.acme.get(f"/skus/{ids['A-1']}").json["name"] == "Blue mug"


def test_patching_barcodes_replaces_the_list(apis, ids):
    r = apis.acme.patch(f"/skus/{ids['A-1']}", json={"barcodes": ["BA-1", "NEW-1", "NEW-2"]})
    assert r.json["barcodes"] == ["BA-1", "NEW-1", "NEW-2"]

    r = apis.acme.patch(f"/skus/{ids['A-1']}", json={"barcodes": ["NEW-2"]})

    assert r.status_code == 200, r.json
    assert r.json["barcodes"] == ["NEW-2"]
    assert apis.acme.get("/skus", query_string={"barcode": "BA-1"}).json["items"] == []
    assert [s["code"] for s in apis.acme.get("/skus", query_string={"barcode": "NEW-2"}).json["items"]] == ["A-1"]


def test_a_patch_cannot_take_a_barcode_of_another_sku(apis, ids, nothing_written):
    with nothing_written():
        r = apis.acme.patch(f"/skus/{ids['A-2']}", json={"barcodes": ["BA-1"]})
    assert_problem(r, 409, "conflict", "barcodes")
    assert apis.acme.get(f"/skus/{ids['A-2']}").json["barcodes"] == ["BA-2"]


def test_an_admin_patches_any_sellers_sku(apis, ids):
    r = apis.admin.patch(f"/skus/{ids['B-1']}", json={"hs_code": "12345678"})

    assert r.status_code == 200
    assert r.json["hs_code"] == "12345678"


def test_an_unknown_sku_is_not_found(apis):
    assert_problem(apis.admin.get("/skus/999999"), 404, "not_found")
    assert_problem(apis.admin.patch("/skus/999999", json={"name": "x"}), 404, "not_found")
