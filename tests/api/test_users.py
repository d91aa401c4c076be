"""People, not tokens: users with a password (scrypt), or a badge and PIN for
the handheld, created and changed by an admin through the API and the CLI.
Secrets are stored hashed and never shown."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from tests.factories import make_world
from wms.auth.models import User


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def problem(response, status, code, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code, body
    if field:
        assert field in body["errors"], body
    return body


OPERATOR = {"login": "maria", "name": "Maria Lopez", "role": "operator", "warehouses": ["WH1"],
            "badge": "OP-0001", "pin": "4821", "password": "correct horse battery"}


def test_an_admin_creates_an_operator_with_a_badge_and_pin_and_sees_no_secret(admin_api, session):
    make_world(session)

    created = ok(admin_api.post("/users", json=OPERATOR), 201)

    assert {k: created[k] for k in ("login", "name", "role", "warehouses", "badge", "active", "has_password")} == {
        "login": "maria", "name": "Maria Lopez", "role": "operator", "warehouses": ["WH1"], "badge": "OP-0001",
        "active": True, "has_password": True}
    assert "password" not in created and "pin" not in created
    user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("scrypt:") and user.pin_hash.startswith("scrypt:")
    assert "4821" not in user.pin_hash and "correct horse" not in user.password_hash
    listed = ok(admin_api.get("/users"))["items"]
    assert [u["login"] for u in listed] == ["maria"]


def test_bad_users_are_refused_naming_the_field(admin_api, session, make_api):
    make_world(session)
    ok(admin_api.post("/users", json=OPERATOR), 201)

    problem(admin_api.post("/users", json={**OPERATOR, "badge": "OP-0002"}), 409, "conflict", "login")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "jo"}), 409, "conflict", "badge")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "x", "badge": None, "pin": None,
                                           "password": "short"}), 422, "validation_error", "password")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "y", "badge": "OP-9", "pin": "12ab"}), 422,
            "validation_error", "pin")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "z", "badge": "OP-0003", "pin": None}), 422,
            "validation_error", "pin")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "w", "badge": None, "pin": None,
                                           "password": None}), 422, "validation_error", "password")
    problem(admin_api.post("/users", json={**OPERATOR, "login": "v", "badge": None, "pin": None,
                                           "warehouses": []}), 422, "validation_error", "warehouses")
    problem(admin_api.post("/users", json={"login": "s", "name": "S", "role": "seller",
                                           "password": "long enough pw"}), 422, "validation_error", "seller")
    operator = make_api("operator", warehouses=["WH1"])
    problem(operator.post("/users", json={**OPERATOR, "login": "u"}), 403, "forbidden")
    assert len(session.scalars(select(User)).all()) == 1


def test_an_admin_changes_a_pin_or_disables_a_user(admin_api, session):
    make_world(session)
    user = ok(admin_api.post("/users", json=OPERATOR), 201)

    changed = ok(admin_api.patch(f"/users/{user['id']}", json={"badge": "OP-0009", "pin": "1357", "active": False}))

    assert (changed["badge"], changed["active"]) == ("OP-0009", False)
    assert session.scalars(select(User)).one().session_epoch == 1
    problem(admin_api.patch("/users/999", json={"active": True}), 404, "not_found")


def test_wms_users_create_makes_a_user_from_the_command_line(committed_db, monkeypatch):
    from wms.cli import main
    from wms.db import make_sessionmaker

    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        make_world(s)
    monkeypatch.setenv("WMS_DATABASE_URL", url)

    result = CliRunner().invoke(main, ["users", "create", "--login", "jonas", "--name", "Jonas", "--role",
                                       "operator", "--warehouse", "WH2", "--badge", "OP-0100", "--pin", "2468"])
    refused = CliRunner().invoke(main, ["users", "create", "--login", "jonas", "--name", "J", "--role", "admin",
                                        "--password", "long enough pw"])

    assert result.exit_code == 0, result.output
    assert "user jonas (operator) created" in result.output
    assert refused.exit_code != 0 and "already exists" in refused.output
    with make_sessionmaker(engine)() as s:
        user = s.scalars(select(User)).one()
        assert (user.badge, [w.code for w in user.warehouses]) == ("OP-0100", ["WH2"])
