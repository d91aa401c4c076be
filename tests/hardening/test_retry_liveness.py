"""Issue 13 D7: a retry after a worker died or the database blipped is not
refused for a minute, and a database outage is a 503 with Retry-After, also
when it strikes while the response is being recorded."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from tests.api.conftest import adjustment, assert_problem, idempotency_rows, movement_count
from tests.factories import make_world
from wms import idempotency
from wms.app import create_app
from wms.auth.models import Token
from wms.auth.principal import Principal
from wms.auth.services import create_token, hash_token
from wms.config import Settings
from wms.db import make_sessionmaker, utcnow
from wms.idempotency_models import IdempotencyKey
from wms.ledger.models import Movement

KEY = {"Idempotency-Key": "liveness-1"}


def _gone(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "unavailable"
    assert response.headers["Retry-After"] == "1"


def test_an_outage_while_recording_the_response_is_a_503_and_the_retry_works(apis, session, monkeypatch):
    before = movement_count(session)
    monkeypatch.setattr(idempotency, "update", _gone)  # the UPDATE that stores the response fails

    r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert_unavailable(r)
    monkeypatch.undo()
    assert movement_count(session) == before
    assert idempotency_rows(session, KEY["Idempotency-Key"]) == []
    retry = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert movement_count(session) == before + 1


def test_an_outage_during_the_work_and_its_cleanup_is_a_503_not_a_500(apis, session, monkeypatch):
    """The database dies mid-request: the view fails, and so does releasing
    the claim afterwards (it used to escape after_request as a 500)."""
    def database_dies(*_args, **_kwargs):
        monkeypatch.setattr(idempotency, "begin_write", _gone)
        _gone()

    monkeypatch.setattr("wms.inventory.api.movement_view", database_dies)
    before = movement_count(session)

    r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert_unavailable(r)
    monkeypatch.undo()
    assert movement_count(session) == before


def test_a_claim_left_by_a_dead_worker_is_taken_over_at_once(apis, app, session, requires_postgres):
    """PostgreSQL: the claim is in flight since just now, but no transaction
    holds its lock (its worker died): the retry runs, without waiting 60 s."""
    with app.test_request_context("/api/v1/adjustments", method="POST", json=adjustment()):
        request_hash = idempotency._request_hash()
    token_id = session.scalar(select(Token.id).where(Token.token_hash == hash_token(apis.wh1_operator.token)))
    session.execute(insert(IdempotencyKey).values(
        token_id=token_id, key=KEY["Idempotency-Key"], request_hash=request_hash, method="POST",
        path="/api/v1/adjustments?", status="in_flight", locked_at=utcnow(), created_at=utcnow()))
    session.commit()
    before = movement_count(session)

    r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert r.status_code == 201, r.get_data(as_text=True)
    assert movement_count(session) == before + 1
    [row] = idempotency_rows(session, KEY["Idempotency-Key"])
    assert (row.status, row.response_status) == ("completed", 201)


@pytest.mark.concurrency
def test_a_retry_while_the_first_runs_is_in_use_then_replays(committed_db, requires_postgres, monkeypatch):
    """PostgreSQL, real connections: while the first request works (however
    long), a retry gets 409; once it answered, the retry gets its replay."""
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        make_world(s)
        _token, raw = create_token(s, Principal.system("tests"), name="handheld", role="operator", warehouses=["WH1"])
        before = s.scalar(select(func.count()).select_from(Movement))
    app = create_app({"WMS_SETTINGS": Settings(database_url=url, idempotency_lock_seconds=0)})
    working, finish = threading.Event(), threading.Event()
    from wms.inventory import api as inventory_api

    real_view = inventory_api.movement_view

    def slow_view(*args, **kwargs):
        working.set()
        assert finish.wait(30)
        return real_view(*args, **kwargs)

    monkeypatch.setattr(inventory_api, "movement_view", slow_view)
    headers = {"Authorization": f"Bearer {raw}", **KEY}
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(lambda: app.test_client().post("/api/v1/adjustments", json=adjustment(),
                                                               headers=headers))
            assert working.wait(30)
            # idempotency_lock_seconds=0: only the lock can tell that the first still runs.
            retry = app.test_client().post("/api/v1/adjustments", json=adjustment(), headers=headers)
            finish.set()
            original = first.result(30)
        replay = app.test_client().post("/api/v1/adjustments", json=adjustment(), headers=headers)
    finally:
        finish.set()
        app.extensions["wms"]["engine"].dispose()

    assert_problem(retry, 409, "idempotency_key_in_use")
    assert original.status_code == 201
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == original.get_data()
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Movement)) == before + 1
