"""Idempotency-Key on POST (API.md Conventions): a retry with the same key
and body gets the first answer and does nothing again."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from tests.api.conftest import adjustment, assert_problem, idempotency_rows, move, movement_count
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

KEY = {"Idempotency-Key": "adj-2026-0001"}


def test_the_same_key_ten_times_makes_one_movement_and_the_same_answer(apis, session):
    before = movement_count(session)

    responses = [apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY) for _ in range(10)]

    assert movement_count(session) == before + 1
    first, repeats = responses[0], responses[1:]
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    for r in repeats:
        assert r.status_code == 201
        assert r.headers["Idempotent-Replayed"] == "true"
        assert r.get_data() == first.get_data()
        assert r.content_type == first.content_type
    sellable = apis.acme.get("/stock", query_string={"warehouse": "WH1", "sku": "A-1"}).json["items"][0]["sellable"]
    assert sellable == 14


def test_the_same_key_and_the_same_json_written_differently_is_a_repeat(apis):
    first = apis.admin.post("/moves", json=move(), headers=KEY)
    reordered = dict(reversed(list(move().items())))

    again = apis.admin.client.post("/api/v1/moves", data=json.dumps(reordered, indent=2), headers={
        **KEY, "Authorization": f"Bearer {apis.admin.token}", "Content-Type": "application/json"})

    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_data() == first.get_data()


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(apis, nothing_written):
    first = apis.wh1_operator.post("/adjustments", json=adjustment(qty=4), headers=KEY)

    with nothing_written():
        r = apis.wh1_operator.post("/adjustments", json=adjustment(qty=5), headers=KEY)

    assert_problem(r, 422, "idempotency_key_reused", "Idempotency-Key")
    again = apis.wh1_operator.post("/adjustments", json=adjustment(qty=4), headers=KEY)
    assert again.get_data() == first.get_data()


def test_the_same_key_on_another_endpoint_is_refused(apis, nothing_written):
    apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    with nothing_written():
        r = apis.wh1_operator.post("/moves", json=move(), headers=KEY)

    assert_problem(r, 422, "idempotency_key_reused")


def test_keys_are_scoped_to_the_token(apis, make_api, session):
    other_operator = make_api("operator", warehouses=["WH1"])
    before = movement_count(session)

    mine = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)
    theirs = other_operator.post("/adjustments", json=adjustment(), headers=KEY)
    theirs_with_another_body = apis.admin.post("/moves", json=move(), headers=KEY)

    assert mine.status_code == theirs.status_code == theirs_with_another_body.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json["id"] != theirs.json["id"]
    assert movement_count(session) == before + 3


def test_a_post_without_a_key_is_not_deduplicated(apis, session):
    before = movement_count(session)

    apis.wh1_operator.post("/adjustments", json=adjustment())
    apis.wh1_operator.post("/adjustments", json=adjustment())

    assert movement_count(session) == before + 2


@pytest.mark.parametrize("key", ["k" * 256, "with space", "tab\there", "caf\u00e9", "bell\x07", ""],
                         ids=["256 chars", "space", "tab", "non-ascii", "control", "empty"])
def test_an_invalid_key_is_a_bad_request(apis, session, nothing_written, key):
    with nothing_written():
        r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers={"Idempotency-Key": key})

    assert_problem(r, 400, "bad_request", "Idempotency-Key")
    assert idempotency_rows(session, key) == []


def test_a_key_of_255_printable_characters_is_accepted(apis):
    key = ("".join(chr(c) for c in range(33, 127)) * 3)[:255]

    assert apis.wh1_operator.post("/adjustments", json=adjustment(), headers={"Idempotency-Key": key}).status_code \
        == 201


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/adjustments", adjustment(qty=-100, reason="lost"), 409, "insufficient_stock"),
    ("/adjustments", adjustment(location="NOPE"), 422, "validation_error"),
    ("/adjustments", adjustment(qty="4"), 422, "validation_error"),
    ("/sellers", {"code": "ACME", "name": "again"}, 409, "conflict"),
])
def test_an_error_is_replayed_and_wrote_nothing(apis, nothing_written, path, body, status, code):
    with nothing_written():
        first = apis.admin.post(path, json=body, headers=KEY)
        again = apis.admin.post(path, json=body, headers=KEY)

    assert_problem(first, status, code)
    assert again.status_code == status
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert again.mimetype == "application/problem+json"


def test_a_replayed_error_stays_an_error_when_the_state_changes(apis, nothing_written):
    body = adjustment(qty=-12, reason="lost")
    first = apis.wh1_operator.post("/adjustments", json=body, headers=KEY)
    apis.wh1_operator.post("/adjustments", json=adjustment(qty=5))

    again = apis.wh1_operator.post("/adjustments", json=body, headers=KEY)

    assert_problem(first, 409, "insufficient_stock")
    assert again.status_code == 409 and again.headers["Idempotent-Replayed"] == "true"


def test_a_created_object_is_replayed_not_created_twice(apis):
    first = apis.acme.post("/skus", json={"code": "N-1", "name": "new"}, headers=KEY)
    again = apis.acme.post("/skus", json={"code": "N-1", "name": "new"}, headers=KEY)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [s["code"] for s in apis.acme.get("/skus").json["items"]] == ["A-1", "A-2", "N-1"]


# --- a request that dies ------------------------------------------------------

def _claim(session, api, app, key: str, body: dict, locked_at) -> None:
    """Leave a claim on `key` as a worker that died before committing its work
    would: in flight since `locked_at`, no response, nothing written."""
    with app.test_request_context("/api/v1/adjustments", method="POST", json=body):
        request_hash = idempotency._request_hash()
    token_id = session.scalar(select(Token.id).where(Token.token_hash == hash_token(api.token)))
    session.execute(insert(IdempotencyKey).values(
        token_id=token_id, key=key, request_hash=request_hash, method="POST", path="/api/v1/adjustments?",
        status="in_flight", locked_at=locked_at, created_at=locked_at,
    ))
    session.commit()


def test_a_repeat_while_the_first_is_still_running_is_in_use(apis, app, session, nothing_written, database_url):
    """On SQLite a claim younger than the lock timeout counts as running (on
    PostgreSQL the running request's lock tells: tests/hardening/test_retry_liveness.py)."""
    if database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL tells a running request by its advisory lock, not by the claim's age")
    _claim(session, apis.wh1_operator, app, KEY["Idempotency-Key"], adjustment(), utcnow())

    with nothing_written():
        r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert_problem(r, 409, "idempotency_key_in_use")
    assert [row.status for row in idempotency_rows(session, KEY["Idempotency-Key"])] == ["in_flight"]


def test_a_stale_claim_whose_work_never_committed_is_taken_over(apis, app, session):
    lock = app.config["WMS_SETTINGS"].idempotency_lock_seconds
    long_ago = utcnow() - timedelta(seconds=lock + 5)
    _claim(session, apis.wh1_operator, app, KEY["Idempotency-Key"], adjustment(), long_ago)
    before = movement_count(session)

    r = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)
    again = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert r.status_code == 201, r.json
    assert "Idempotent-Replayed" not in r.headers
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == r.get_data()
    assert movement_count(session) == before + 1
    [row] = idempotency_rows(session, KEY["Idempotency-Key"])
    assert (row.status, row.response_status) == ("completed", 201)


def test_with_no_lock_timeout_any_unfinished_claim_is_taken_over(apis, database_url, sessionmaker_, session):
    app = create_app({"TESTING": True, "WMS_SETTINGS": Settings(database_url=database_url, idempotency_lock_seconds=0),
                      "WMS_SESSIONMAKER": sessionmaker_})
    _claim(session, apis.wh1_operator, app, KEY["Idempotency-Key"], adjustment(), utcnow())

    r = app.test_client().post("/api/v1/adjustments", json=adjustment(), headers={
        **KEY, "Authorization": f"Bearer {apis.wh1_operator.token}"})

    assert r.status_code == 201, r.json
    assert [row.status for row in idempotency_rows(session, KEY["Idempotency-Key"])] == ["completed"]


def test_a_request_that_crashes_releases_its_key_so_a_retry_works(apis, session, monkeypatch, nothing_written):
    def crash(*args, **kwargs):
        raise RuntimeError("the view fell over after the work was done")

    # The adjustment is posted (flushed), then rendering its answer crashes.
    monkeypatch.setattr("wms.inventory.api.movement_view", crash)
    with nothing_written():
        crashed = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)
    assert crashed.status_code == 500
    assert crashed.mimetype == "application/problem+json" and crashed.json["code"] == "internal_error"
    assert idempotency_rows(session, KEY["Idempotency-Key"]) == []
    monkeypatch.undo()

    retry = apis.wh1_operator.post("/adjustments", json=adjustment(), headers=KEY)

    assert retry.status_code == 201, retry.json
    assert "Idempotent-Replayed" not in retry.headers
    assert apis.acme.get("/stock", query_string={"sku": "A-1", "warehouse": "WH1"}).json["items"][0]["sellable"] == 14


# --- concurrent duplicates, against a database that commits for real ---------

@pytest.mark.concurrency
def test_concurrent_duplicates_make_exactly_one_movement(committed_db):
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        make_world(s)
        _token, raw = create_token(s, Principal.system("tests"), name="handheld", role="operator", warehouses=["WH1"])
        before = s.scalar(select(func.count()).select_from(Movement))
    app = create_app({"WMS_SETTINGS": Settings(database_url=url)})
    threads = 10
    barrier = threading.Barrier(threads)
    headers = {"Authorization": f"Bearer {raw}", **KEY}

    def post_once():
        client = app.test_client()
        barrier.wait()
        r = client.post("/api/v1/adjustments", json=adjustment(), headers=headers)
        return r.status_code, r.headers.get("Idempotent-Replayed"), r.get_json(), r.get_data()

    try:
        with ThreadPoolExecutor(threads) as pool:
            results = [f.result() for f in [pool.submit(post_once) for _ in range(threads)]]
        final = app.test_client().post("/api/v1/adjustments", json=adjustment(), headers=headers)
    finally:
        app.extensions["wms"]["engine"].dispose()

    originals = [r for r in results if r[0] == 201 and r[1] is None]
    assert len(originals) == 1, results
    for status, replayed, body, data in results:
        if status == 201 and replayed:
            assert data == originals[0][3]
        elif status == 409:
            assert body["code"] == "idempotency_key_in_use"
        else:
            assert (status, replayed) == (201, None), (status, body)
    assert final.status_code == 201 and final.headers["Idempotent-Replayed"] == "true"
    assert final.get_data() == originals[0][3]
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Movement)) == before + 1
        assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
