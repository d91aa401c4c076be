"""POST and GET /tokens: issuing API tokens (admin only)."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select, update

from tests.api.conftest import assert_problem
from wms.auth.models import Token


def test_an_admin_creates_an_operator_token_that_works_at_once(world, admin_api, client):
    r = admin_api.post("/tokens", json={"name": "night shift", "role": "operator", "warehouses": ["WH1"]})

    assert r.status_code == 201, r.json
    assert r.json["role"] == "operator"
    assert r.json["warehouses"] == ["WH1"]
    assert r.json["seller"] is None
    assert r.json["token"].startswith(r.json["prefix"])
    r = client.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert [w["code"] for w in r.json["items"]] == ["WH1"]


def test_a_seller_token_names_its_seller(world, admin_api):
    r = admin_api.post("/tokens", json={"name": "acme erp", "role": "seller", "seller": "ACME"})

    assert r.status_code == 201, r.json
    assert r.json["seller"] == "ACME"
    assert r.json["warehouses"] == []


def test_only_a_hash_of_the_token_is_stored(world, admin_api, session):
    r = admin_api.post("/tokens", json={"name": "acme erp", "role": "seller", "seller": "ACME"})
    raw = r.json["token"]

    rows = session.execute(select(Token.__table__)).all()
    session.commit()
    stored = [str(value) for row in rows for value in row]
    assert not any(raw in value for value in stored)
    assert hashlib.sha256(raw.encode()).hexdigest() in stored


def test_the_token_is_shown_only_when_it_is_created(world, admin_api):
    created = admin_api.post("/tokens", json={"name": "acme erp", "role": "seller", "seller": "ACME"}).json

    r = admin_api.get("/tokens")

    assert r.status_code == 200
    listed = {t["id"]: t for t in r.json["items"]}
    assert listed[created["id"]]["name"] == "acme erp"
    assert listed[created["id"]]["prefix"] == created["prefix"]
    assert "token" not in listed[created["id"]]
    assert created["token"] not in r.get_data(as_text=True)


def test_a_token_cannot_be_created_already_expired(world, admin_api, nothing_written):
    with nothing_written():
        r = admin_api.post("/tokens", json={"name": "old", "role": "admin", "expires_at": "2020-01-01T00:00:00Z"})
        assert_problem(r, 422, "validation_error", "expires_at")


def test_an_expired_token_is_refused(world, admin_api, client, session):
    r = admin_api.post("/tokens", json={"name": "soon", "role": "admin", "expires_at": "2099-01-01T00:00:00Z"})
    assert r.status_code == 201
    session.execute(update(Token).where(Token.id == r.json["id"]).values(expires_at=datetime(2020, 1, 1, tzinfo=UTC)))
    session.commit()

    r = client.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {r.json['token']}"})

    assert_problem(r, 401, "unauthenticated")


def test_a_seller_token_needs_a_known_seller(world, admin_api, nothing_written):
    with nothing_written():
        r = admin_api.post("/tokens", json={"name": "x", "role": "seller"})
        assert_problem(r, 422, "validation_error", "seller")
        r = admin_api.post("/tokens", json={"name": "x", "role": "seller", "seller": "NOPE"})
        assert_problem(r, 422, "validation_error", "seller")


def test_an_operator_token_needs_known_warehouses(world, admin_api):
    r = admin_api.post("/tokens", json={"name": "x", "role": "operator"})
    assert_problem(r, 422, "validation_error", "warehouses")
    r = admin_api.post("/tokens", json={"name": "x", "role": "operator", "warehouses": ["WH9"]})
    assert_problem(r, 422, "validation_error", "warehouses")


def test_an_unknown_role_is_a_validation_error(world, admin_api):
    assert_problem(admin_api.post("/tokens", json={"name": "x", "role": "root"}), 422, "validation_error", "role")
