"""Issue 13 item 13: Prometheus metrics at /metrics (admin only)."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import adjustment, assert_problem


def scrape(client, token) -> dict[str, list]:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "text/plain"
    return {f.name: f.samples for f in text_string_to_metric_families(r.get_data(as_text=True))}


def value(samples, name, **labels) -> float:
    return sum(s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_metrics_need_an_admin_token(apis, client):
    assert_problem(client.get("/metrics"), 401, "unauthenticated")
    assert_problem(client.get("/metrics", headers={"Authorization": f"Bearer {apis.acme.token}"}), 403, "forbidden")


def test_request_latency_ledger_changes_and_conflicts_are_counted(apis, client):
    before = scrape(client, apis.admin.token)
    key = {"Idempotency-Key": "metrics-1"}
    assert apis.wh1_operator.post("/adjustments", json=adjustment(), headers=key).status_code == 201
    assert apis.wh1_operator.post("/adjustments", json=adjustment(qty=5), headers=key).status_code == 422

    after = scrape(client, apis.admin.token)

    route = {"route": "/api/v1/adjustments", "method": "POST"}
    count = "quayside_http_request_duration_seconds_count"
    assert value(after["quayside_http_request_duration_seconds"], count, status="201", **route) == \
        value(before.get("quayside_http_request_duration_seconds", []), count, status="201", **route) + 1
    changes = "quayside_ledger_level_changes_total"
    assert value(after["quayside_ledger_level_changes"], changes) >= \
        value(before.get("quayside_ledger_level_changes", []), changes) + 1
    conflicts = "quayside_idempotency_conflicts_total"
    assert value(after["quayside_idempotency_conflicts"], conflicts, kind="reused") == \
        value(before.get("quayside_idempotency_conflicts", []), conflicts, kind="reused") + 1


def test_open_tasks_per_warehouse_come_from_the_database(apis, client):
    asn = apis.acme.post("/asns", json={"warehouse": "WH1", "reference": "M-1", "lines": [{"sku": "A-1", "qty": 4}]})
    asn_id = asn.get_json()["id"]
    r = apis.wh1_operator.post(f"/asns/{asn_id}/receipts", json={"barcode": "BA-1", "qty": 4},
                               headers={"Idempotency-Key": "metrics-scan-1"})
    assert r.status_code == 201, r.get_data(as_text=True)

    samples = scrape(client, apis.admin.token)["quayside_open_tasks"]

    assert value(samples, "quayside_open_tasks", warehouse="WH1", type="putaway") >= 1
