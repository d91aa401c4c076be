import json
from tests.factories import make_world
from wms.app import create_app
from wms.config import Settings

def show(r):
    print(r.status_code, dict(r.headers).get("Content-Type"), dict(r.headers).get("Idempotent-Replayed"), r.get_data(as_text=True)[:500])

def test_probe(session, make_api, admin_api, client, database_url, sessionmaker_):
    w = make_world(session)
    small = create_app({"TESTING": True, "WMS_SETTINGS": Settings(database_url=database_url, max_body_bytes=200), "WMS_SESSIONMAKER": sessionmaker_})
    c = small.test_client()
    h = {"Authorization": f"Bearer {admin_api.token}"}
    body = {"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1", "seller": "ACME", "qty": 5, "reason": "found", "note": "x" * 500}
    show(c.post("/api/v1/adjustments", json=body, headers=h))
    show(c.post("/api/v1/adjustments", json=body, headers={**h, "Idempotency-Key": "k1"}))
    show(c.post("/api/v1/adjustments", data=json.dumps(body), headers={**h, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
    show(admin_api.post("/tokens", json={"name": "x", "role": "seller", "seller": "ACME"}))
    show(admin_api.get("/tokens"))
    show(admin_api.post("/skus", json={"code": "N-1", "name": "n", "seller": "ACME", "barcodes": ["111", "222"]}))
    sa = make_api("seller", seller="ACME")
    show(sa.post("/skus", json={"code": "N-2", "name": "n", "barcodes": ["333"]}))
    show(sa.patch("/skus/1", json={"name": "renamed", "barcodes": ["BA-1", "444"]}))
    show(sa.patch("/skus/1", json={"barcodes": ["333"]}))
    show(sa.get("/skus?barcode=444"))
    show(sa.get("/sellers"))
    show(admin_api.post("/warehouses", json={"code": "WH3", "name": "x", "country": "GB", "timezone": "Europe/London"}))
    show(admin_api.post("/warehouses/WH3/layout", json={"blocks": 2, "aisles": 2, "bays_per_aisle": 2, "levels": 2}))
    show(admin_api.post("/warehouses/WH3/locations", json={"locations": [{"code": "Q2", "kind": "quarantine"}]}))
    show(admin_api.get("/warehouses/WH3"))
