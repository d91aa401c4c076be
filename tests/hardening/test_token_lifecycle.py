"""Issue 13 D6 (API and CLI): a token can be revoked at once, by an admin
(`DELETE /tokens/{id}`) or by `wms tokens revoke`; the development secret
key is random per installation."""
from __future__ import annotations

from sqlalchemy import select

from tests.api.conftest import assert_problem
from wms.app import _installation_secret
from wms.auth.models import Token


def token_id(api_client, session) -> int:
    from wms.auth.services import hash_token

    found = session.scalar(select(Token.id).where(Token.token_hash == hash_token(api_client.token)))
    session.commit()
    return found


def test_an_admin_revokes_a_token_and_it_stops_working_at_once(apis, session):
    assert apis.acme.get("/skus").status_code == 200
    acme = token_id(apis.acme, session)

    r = apis.admin.delete(f"/tokens/{acme}")

    assert r.status_code == 204, r.get_data(as_text=True)
    assert_problem(apis.acme.get("/skus"), 401, "unauthenticated")
    listed = {t["id"]: t for t in apis.admin.get("/tokens", query_string={"limit": 500}).get_json()["items"]}
    assert listed[acme]["revoked_at"]
    assert apis.admin.delete(f"/tokens/{acme}").status_code == 204  # again: nothing changes
    assert apis.beta.get("/skus").status_code == 200  # other tokens unaffected


def test_only_an_admin_revokes_and_unknown_ids_are_not_found(apis, session):
    beta = token_id(apis.beta, session)
    assert_problem(apis.acme.delete(f"/tokens/{beta}"), 403, "forbidden")
    assert_problem(apis.wh1_operator.delete(f"/tokens/{beta}"), 403, "forbidden")
    assert apis.beta.get("/skus").status_code == 200
    assert_problem(apis.admin.delete("/tokens/999999"), 404, "not_found")
    assert_problem(apis.admin.delete(f"/tokens/{2**31}"), 404, "not_found")


def test_wms_tokens_revoke(session, world, wms_cli, apis):
    acme = token_id(apis.acme, session)

    result = wms_cli("tokens", "revoke", str(acme))

    assert result.exit_code == 0, result.output
    assert "revoked" in result.output
    assert_problem(apis.acme.get("/skus"), 401, "unauthenticated")
    assert wms_cli("tokens", "revoke", "999999").exit_code == 1


def test_the_development_secret_is_random_per_installation_and_kept(tmp_path):
    first = _installation_secret(str(tmp_path / "a"))
    assert first == _installation_secret(str(tmp_path / "a"))  # kept: cookies survive a restart
    assert len(first) >= 64 and first != "dev-only-not-secret"
    assert _installation_secret(str(tmp_path / "b")) != first
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o077 == 0
