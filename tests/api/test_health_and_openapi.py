"""The public endpoints: /healthz, /readyz and the OpenAPI document."""
from __future__ import annotations

import re

import pytest

from tests.api.conftest import PROBLEM_KEYS
from wms.app import create_app
from wms.config import Settings
from wms.migrate import head_revision

# Every path of API.md, with its methods.
API_MD = {
    "/tokens": {"post"},
    "/warehouses": {"get", "post"},
    "/warehouses/{}": {"get"},
    "/warehouses/{}/layout": {"post"},
    "/warehouses/{}/locations": {"get", "post"},
    "/sellers": {"get", "post"},
    "/skus": {"get", "post"},
    "/skus/{}": {"get", "patch"},
    "/asns": {"get", "post"},
    "/asns/{}": {"get"},
    "/asns/{}/receipts": {"post"},
    "/asns/{}/close": {"post"},
    "/tasks": {"get"},
    "/tasks/{}/complete": {"post"},
    "/stock": {"get"},
    "/stock/locations": {"get"},
    "/ledger": {"get"},
    "/adjustments": {"post"},
    "/moves": {"post"},
    "/transfers": {"post"},
    "/transfers/{}/receive": {"post"},
    "/counts": {"post"},
    "/counts/{}/submit": {"post"},
    "/warehouses/{}/slotting-plans": {"post"},
    "/slotting-plans/{}": {"get"},
    "/slotting-plans/{}/apply": {"post"},
    "/orders": {"get", "post"},
    "/orders/{}": {"get"},
    "/orders/{}/cancel": {"post"},
    "/warehouses/{}/waves": {"post"},
    "/waves/{}": {"get"},
    "/pick-lists/{}": {"get"},
    "/pick-lists/{}/picks/{}/confirm": {"post"},
    "/orders/{}/pack": {"post"},
    "/orders/{}/ship": {"post"},
    "/channels": {"get", "post"},
    "/channels/{}": {"get"},
    "/channels/{}/listings": {"get", "post"},
    "/channels/{}/stock": {"get"},
    "/channels/{}/reconcile": {"post"},
}
# The areas built so far: these paths must exist whatever else does.
BUILT = {"/tokens", "/warehouses", "/warehouses/{}", "/warehouses/{}/layout", "/warehouses/{}/locations", "/sellers",
         "/skus", "/skus/{}", "/stock", "/stock/locations", "/ledger", "/adjustments", "/moves"}
PUBLIC = {"/openapi.json", "/healthz", "/readyz"}


def _template(path: str) -> str:
    """/api/v1/skus/<int:sku_id> and /api/v1/skus/{sku_id} both become /skus/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path.removeprefix("/api/v1"))


def served_paths(app) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and _template(rule.rule) not in PUBLIC:
            served.setdefault(_template(rule.rule), set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return served


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/healthz"])
def test_healthz_answers_without_a_token(client, path):
    r = client.get(path)

    assert r.status_code == 200
    assert r.json == {"status": "ok"}


@pytest.mark.parametrize("path", ["/readyz", "/api/v1/readyz"])
def test_readyz_reports_the_database_at_the_head_revision(client, path):
    r = client.get(path)

    assert r.status_code == 200, r.json
    assert r.json == {"status": "ok", "revision": head_revision()}


def test_readyz_is_not_ready_on_a_database_without_migrations(tmp_path):
    app = create_app({"WMS_SETTINGS": Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")})
    try:
        r = app.test_client().get("/readyz")
    finally:
        app.extensions["wms"]["engine"].dispose()

    assert r.status_code == 503
    assert r.mimetype == "application/problem+json"
    assert r.json["status"] == 503


def test_the_openapi_document_is_served_without_a_token(client):
    r = client.get("/api/v1/openapi.json")

    assert r.status_code == 200
    assert r.json["openapi"].startswith("3.")
    assert r.json["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_the_openapi_document_lists_every_path_of_api_md_that_is_served(app, client):
    documented: dict[str, set[str]] = {}
    for path, operations in client.get("/api/v1/openapi.json").json["paths"].items():
        documented.setdefault(_template(path), set()).update(operations)
    served = served_paths(app)

    assert set(served) >= BUILT
    for path, methods in API_MD.items():
        if path in served:
            assert methods <= served[path], f"{path} lacks {methods - served[path]}"
            assert methods <= documented.get(path, set()), f"{path} {methods} missing from openapi.json"


def test_the_openapi_document_describes_errors_as_problem_documents(client):
    spec = client.get("/api/v1/openapi.json").json

    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    [schema] = [c["schema"]["$ref"] for c in error.values()]
    assert set(spec["components"]["schemas"][schema.rsplit("/", 1)[1]]["properties"]) == PROBLEM_KEYS


def test_the_openapi_document_describes_request_bodies(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]

    assert set(schemas["CreateAdjustment"]["required"]) == {"warehouse", "location", "sku", "qty", "reason"}
    assert set(schemas["CreateMove"]["required"]) == {"warehouse", "from_location", "to_location", "sku", "qty"}
