"""Issue 13 D1: a timestamp a client sends is bounded to a sane window (one
shared field type), a row stored out of range before the bound no longer
takes a warehouse down, `wms check` reports it and `wms repair timestamps`
clamps it."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.api.conftest import assert_problem
from tests.fulfillment.conftest import order_body, place
from tests.inbound.conftest import asn_body
from wms.auth.models import Token
from wms.checks import run_checks
from wms.db import TIMESTAMP_MAX
from wms.timestamps import repair_timestamps

FAR = [
    "9999-12-31T23:59:59-12:00",  # year 10000 in UTC: PostgreSQL stores it, Python cannot read it
    "0001-01-01T00:00:00+14:00",  # a year BC in UTC
    "2100-01-01T00:00:01+00:00",  # just past the window
    "1999-12-31T23:59:59+00:00",  # just before it
]


@pytest.mark.parametrize("value", FAR)
def test_far_timestamps_in_bodies_are_validation_errors(apis, nothing_written, value):
    with nothing_written():
        r_order = apis.acme_channel.post("/orders", json=order_body(ship_by=value))
        r_asn = apis.acme.post("/asns", json=asn_body(expected_at=value))
        r_token = apis.admin.post("/tokens", json={"name": "t", "role": "admin", "expires_at": value})
    assert_problem(r_order, 422, "validation_error", "ship_by")
    assert_problem(r_asn, 422, "validation_error", "expected_at")
    assert_problem(r_token, 422, "validation_error", "expires_at")


def test_far_timestamps_in_a_wave_or_a_query_are_validation_errors(apis):
    r = apis.wh1_operator.post("/warehouses/WH1/waves", json={"ship_by_before": FAR[0]})
    assert_problem(r, 422, "validation_error", "ship_by_before")
    r = apis.admin.get("/ledger", query_string={"since": FAR[0]})
    assert_problem(r, 422, "validation_error", "since")


def test_timestamps_inside_the_window_are_accepted(apis):
    order = place(apis.acme, ship_by="2099-12-31T23:59:59-00:00")
    assert order["ship_by"].startswith("2099-12-31T23:59:59")
    r = apis.acme.post("/asns", json=asn_body(expected_at="2000-01-01T00:00:00+00:00"))
    assert r.status_code == 201, r.get_data(as_text=True)


def test_the_token_service_bounds_expiry_too(session, wms_cli):
    """`wms tokens create --expires-at` goes through the same bound."""
    result = wms_cli("tokens", "create", "--role", "admin", "--name", "x", "--expires-at", "9999-12-31 23:59:59")
    assert result.exit_code == 1, result.output
    assert "expires_at" in result.output
    assert session.scalar(select(Token).where(Token.name == "x")) is None


def _poison(session, table: str, column: str, row_id: int) -> None:
    """Store year 10000 as a client could before the bound existed."""
    postgres = session.get_bind().dialect.name == "postgresql"
    value = "10000-01-01 11:59:59+00" if postgres else "10000-01-01 11:59:59.000000"
    session.execute(text(f"UPDATE {table} SET {column} = :v WHERE id = :id"), {"v": value, "id": row_id})
    session.commit()


def test_a_stored_far_timestamp_is_reported_and_repaired(apis, session):
    order = place(apis.acme, ship_by="2030-01-01T00:00:00+00:00")
    asn = apis.acme.post("/asns", json=asn_body()).get_json()
    _poison(session, "orders", "ship_by", order["id"])
    _poison(session, "asns", "expected_at", asn["id"])

    found = {r.number: r.violations for r in run_checks(session)}["8"]
    session.commit()
    assert any(f"orders {order['id']}: ship_by" in v for v in found), found
    assert any(f"asns {asn['id']}: expected_at" in v for v in found), found

    repaired = repair_timestamps(session)
    assert len(repaired) == 2
    assert {r.number: r.violations for r in run_checks(session)}["8"] == []
    session.commit()
    got = apis.acme.get(f"/orders/{order['id']}").get_json()
    assert got["ship_by"].startswith(TIMESTAMP_MAX.date().isoformat())


def test_a_stored_far_timestamp_does_not_take_the_warehouse_down(apis, session, requires_postgres):
    """On PostgreSQL (SQLite cannot hold such a value from the app): the
    lists, the order itself, its cancel and wave planning all still work."""
    order = place(apis.acme_channel, ship_by="2030-01-01T00:00:00+00:00")
    asn = apis.acme.post("/asns", json=asn_body()).get_json()
    _poison(session, "orders", "ship_by", order["id"])
    _poison(session, "asns", "expected_at", asn["id"])

    assert apis.wh1_operator.get("/orders", query_string={"limit": 500}).status_code == 200
    assert apis.admin.get("/asns", query_string={"limit": 500}).status_code == 200
    assert apis.acme.get(f"/asns/{asn['id']}").status_code == 200
    assert apis.wh1_operator.post("/warehouses/WH1/waves", json={"time_limit_s": 0.5}).status_code in (201, 409)
    r = apis.admin.post(f"/orders/{order['id']}/cancel")
    assert r.status_code == 200, r.get_data(as_text=True)
    repair_timestamps(session)
