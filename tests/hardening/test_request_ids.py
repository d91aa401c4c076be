"""Issue 13 item 13: structured JSON logs with a request id on every line and
in problem+json; X-Request-ID in and out."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tests.api.conftest import assert_problem
from wms import logs
from wms.app import create_app
from wms.config import Settings


def test_the_callers_request_id_comes_back_in_the_header_and_the_problem(apis, client):
    r = client.get("/api/v1/skus/999999", headers={"Authorization": f"Bearer {apis.acme.token}",
                                                    "X-Request-ID": "client-42.a:b"})

    body = assert_problem(r, 404, "not_found")
    assert r.headers["X-Request-ID"] == body["request_id"] == "client-42.a:b"


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "new\u00e9", "a;b"])
def test_without_a_sane_id_the_server_makes_one(client, sent):
    r = client.get("/api/v1/skus", headers={"X-Request-ID": sent} if sent is not None else {})

    body = assert_problem(r, 401, "unauthenticated")
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])
    assert body["request_id"] == r.headers["X-Request-ID"]


def test_every_success_and_every_html_page_carries_one_too(apis, client):
    ok = apis.acme.get("/skus")
    page = client.get("/login")
    assert ok.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", ok.headers["X-Request-ID"])
    assert page.status_code == 200 and page.headers["X-Request-ID"] != ok.headers["X-Request-ID"]


@pytest.fixture
def json_lines():
    """The root logger's JSON lines, captured as the server writes them."""
    stream = io.StringIO()
    handler = logs.configure("INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_every_log_line_of_a_request_is_json_with_its_id(database_url, sessionmaker_, apis, json_lines):
    app = create_app({"TESTING": True, "WMS_SETTINGS": Settings(database_url=database_url),
                      "WMS_SESSIONMAKER": sessionmaker_})

    def boom():
        logging.getLogger("wms.test").warning("about to fail", extra={"sku": "A-1"})
        raise RuntimeError("kaput")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    r = app.test_client().get("/api/v1/boom", headers={"Authorization": f"Bearer {apis.admin.token}",
                                                       "X-Request-ID": "trace-7"})

    body = r.get_json()
    assert (r.status_code, r.mimetype, body["code"]) == (500, "application/problem+json", "internal_error")
    assert body["request_id"] == "trace-7"
    assert "kaput" not in r.get_data(as_text=True)
    lines = [line for line in json_lines() if line.get("request_id") == "trace-7"]
    by_logger = {line["logger"]: line for line in lines}
    assert by_logger["wms.test"]["message"] == "about to fail" and by_logger["wms.test"]["sku"] == "A-1"
    assert by_logger["wms.app"]["level"] == "ERROR" and "kaput" in by_logger["wms.app"]["exc_info"]
    access = by_logger["wms.access"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/api/v1/boom", 500)
    assert access["duration_ms"] >= 0 and access["time"]
    assert all(set(line) >= {"time", "level", "logger", "message", "request_id"} for line in json_lines())
