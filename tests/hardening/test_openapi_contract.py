"""Issue 13 D11 / item 8: the OpenAPI document says what the server does."""
from __future__ import annotations


def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def test_errors_are_declared_as_problem_json(client):
    doc = spec(client)
    for name, response in doc["components"]["responses"].items():
        for content_type in response.get("content", {}):
            assert content_type == "application/problem+json", name
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert "default" in op["responses"], (method, path)


def test_scan_endpoints_declare_their_required_idempotency_key(client):
    doc = spec(client)
    for path in ("/api/v1/asns/{asn_id}/receipts", "/api/v1/tasks/{task_id}/complete",
                 "/api/v1/pick-lists/{pick_list_id}/picks/{seq}/confirm"):
        headers = {p["name"]: p for p in doc["paths"][path]["post"].get("parameters", []) if p["in"] == "header"}
        assert headers["Idempotency-Key"]["required"] is True, path


def test_sku_references_are_typed(client):
    doc = spec(client)
    sku = doc["components"]["schemas"]["Receipt"]["properties"]["sku"]
    assert {s["type"] for s in sku["oneOf"]} == {"integer", "string"}


def test_bodies_with_only_optional_fields_are_not_required(client):
    doc = spec(client)
    assert doc["paths"]["/api/v1/warehouses/{code}/waves"]["post"]["requestBody"]["required"] is False
    assert doc["paths"]["/api/v1/skus/{sku_id}"]["patch"]["requestBody"]["required"] is False
    assert doc["paths"]["/api/v1/orders"]["post"]["requestBody"]["required"] is True


def test_ids_in_paths_are_bounded_in_the_document(client):
    doc = spec(client)
    [param] = [p for p in doc["paths"]["/api/v1/skus/{sku_id}"]["parameters"] if p["name"] == "sku_id"]
    assert param["schema"]["maximum"] == 2**31 - 1


def test_a_405_names_the_allowed_methods(admin_api):
    r = admin_api.delete("/skus")
    assert r.status_code == 405
    assert r.mimetype == "application/problem+json"
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
