"""Issue 13 item 11: per-token and per-client-address rate limits (Flask-Limiter),
answered 429 problem+json with Retry-After, counted in a store that several
workers share (Redis), off unless configured (the rest of the suite runs
without them)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.api.conftest import assert_problem
from tests.factories import ADMIN
from wms.app import create_app
from wms.auth.services import create_token
from wms.config import Settings


def limited_app(database_url, sessionmaker_, **limits):
    settings = Settings(database_url=database_url, rate_limits=True, **limits)
    return create_app({"TESTING": True, "WMS_SETTINGS": settings, "WMS_SESSIONMAKER": sessionmaker_})


@pytest.fixture
def tokens(world, session):
    made = [create_token(session, ADMIN, name=f"t{i}", role="seller", seller="ACME")[1] for i in range(3)]
    session.commit()
    return made


def get(app_client, token, ip="10.0.0.1"):
    return app_client.get("/api/v1/skus", headers={"Authorization": f"Bearer {token}"},
                          environ_base={"REMOTE_ADDR": ip})


def test_a_token_past_its_limit_gets_429_with_retry_after_and_others_go_on(database_url, sessionmaker_, tokens):
    app = limited_app(database_url, sessionmaker_, rate_limit_storage="memory://",
                      rate_limit_per_token="3/minute", rate_limit_per_ip="100/minute")
    client = app.test_client()
    assert [get(client, tokens[0]).status_code for _ in range(3)] == [200, 200, 200]

    refused = get(client, tokens[0])

    assert_problem(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert get(client, tokens[1]).status_code == 200
    assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200  # never limited


def test_a_client_address_past_its_limit_gets_429_whatever_token_it_uses(database_url, sessionmaker_, tokens):
    app = limited_app(database_url, sessionmaker_, rate_limit_storage="memory://",
                      rate_limit_per_token="100/minute", rate_limit_per_ip="4/minute")
    client = app.test_client()
    statuses = [get(client, tokens[i % 3]).status_code for i in range(4)]
    assert statuses == [200] * 4

    assert_problem(get(client, tokens[2]), 429, "rate_limited")
    assert_problem(client.get("/api/v1/skus", environ_base={"REMOTE_ADDR": "10.0.0.1"}), 429, "rate_limited")
    assert get(client, tokens[2], ip="10.0.0.2").status_code == 200


def test_limits_are_off_unless_configured(app, tokens):
    client = app.test_client()
    assert {get(client, tokens[0]).status_code for _ in range(30)} == {200}


def test_production_refuses_per_process_counters(database_url):
    from wms.config import ConfigError

    settings = Settings(database_url=database_url, env="production", secret_key="x" * 32, rate_limits=True)
    with pytest.raises(ConfigError, match="WMS_RATE_LIMIT_STORAGE"):
        create_app({"TESTING": True, "WMS_SETTINGS": settings})


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_workers_share_one_budget_through_redis(database_url, sessionmaker_, tokens, redis_url):
    """Two application instances (as two gunicorn workers are) count against
    one limit: 2 + 2 requests use a budget of 4, the fifth is refused on either."""
    limits = {"rate_limit_storage": redis_url, "rate_limit_per_token": "4/minute", "rate_limit_per_ip": "100/minute"}
    first = limited_app(database_url, sessionmaker_, **limits).test_client()
    second = limited_app(database_url, sessionmaker_, **limits).test_client()

    assert [get(first, tokens[0]).status_code, get(second, tokens[0]).status_code,
            get(first, tokens[0]).status_code, get(second, tokens[0]).status_code] == [200] * 4

    assert_problem(get(first, tokens[0]), 429, "rate_limited")
    assert_problem(get(second, tokens[0]), 429, "rate_limited")
    assert get(second, tokens[1]).status_code == 200


def test_an_unreachable_store_never_fails_a_request(database_url, sessionmaker_, tokens):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    app = limited_app(database_url, sessionmaker_, rate_limit_storage=f"redis://127.0.0.1:{closed_port}/0",
                      rate_limit_per_token="100/minute", rate_limit_per_ip="100/minute")
    client = app.test_client()

    assert [get(client, tokens[0]).status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/tokens", {"name": "op", "role": "operator", "warehouses": [f"W{i}" for i in range(101)]}, "warehouses"),
    ("/users", {"login": "op", "name": "Op", "role": "operator", "password": "long enough pw",
                "warehouses": [f"W{i}" for i in range(101)]}, "warehouses"),
    ("/skus?limit=501", None, "limit"),
])
def test_batch_and_page_sizes_are_bounded(admin_api, world, nothing_written, path, body, field):
    with nothing_written():
        r = admin_api.post(path, json=body) if body is not None else admin_api.get(path)
    assert_problem(r, 422, "validation_error", field)
