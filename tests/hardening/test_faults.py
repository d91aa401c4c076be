"""Issue 13 item 12: faults, automated (PostgreSQL only).

* The database kills the app's connections (``pg_terminate_backend``, over
  and over) while handhelds scan into an ASN and sellers place orders, from
  real threads, each retrying with the same Idempotency-Key until it gets
  an answer.
* A gunicorn worker is SIGKILLed in the middle of requests while clients
  scan through HTTP, retrying the same way.

Either way a client sees only a success (first or replayed), a 503 with
Retry-After, or a connection cut; every request acknowledged counts exactly
once, none is lost, and ``wms check`` is clean afterwards."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import Api, assert_ledger_clean
from tests.factories import ADMIN, make_world, put_stock
from wms.app import create_app
from wms.auth.services import create_token
from wms.config import Settings
from wms.db import make_sessionmaker
from wms.inbound.models import AsnLine, Receipt
from wms.inbound.services import create_asn

pytestmark = [pytest.mark.concurrency, pytest.mark.usefixtures("requires_postgres")]

ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "quayside-fault-test"
SHIP_TO = {"name": "Ada Lovelace", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}
KILL_ROUNDS = 6
# Clients give up retrying after this long: the work takes a few seconds, far longer only on a loaded machine.
DEADLINE_S = 60
RETRYABLE = {503, 409}  # 409 only as idempotency_key_in_use: the first attempt still runs


def seed(engine) -> dict:
    """The world committed; an ASN of A-2 to scan into; 200 A-1 to order;
    an operator's and a seller's token."""
    with make_sessionmaker(engine)() as s:
        world = make_world(s)
        put_stock(s, world.wh1, "A01-03-1", world.skus_a[0], 200)
        asn = create_asn(s, ADMIN, {"warehouse": "WH1", "reference": "PO-FAULT", "seller": "ACME",
                                    "lines": [{"sku": "A-2", "qty": 100_000}]})
        _t, operator = create_token(s, ADMIN, name="handhelds", role="operator", warehouses=["WH1"])
        _t, seller = create_token(s, ADMIN, name="shop", role="seller", seller="ACME")
        s.commit()
        return {"asn_id": asn.id, "operator": operator, "seller": seller}


def received(engine, asn_id: int) -> tuple[int, int]:
    """(receipts, units received) of the ASN."""
    with make_sessionmaker(engine)() as s:
        return (s.scalar(select(func.count()).select_from(Receipt).where(Receipt.asn_id == asn_id)),
                s.scalar(select(func.sum(AsnLine.received_qty)).where(AsnLine.asn_id == asn_id)))


def ledger_clean(engine) -> None:
    with make_sessionmaker(engine)() as s:
        assert_ledger_clean(s)


class Tally:
    """What the clients saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.acknowledged: list[str] = []
        self.unexpected: list[str] = []

    def saw(self, status: int, body: str = "") -> None:
        with self.lock:
            self.statuses[status] += 1
            if status not in (200, 201, 0, *RETRYABLE):
                self.unexpected.append(f"{status}: {body[:300]}")


# --- pg_terminate_backend under concurrent scans and orders -------------------------

def in_process_call(api: Api, tally: Tally, path: str, body: dict, key: str, deadline: float) -> None:
    """Send one request until it is answered with a success, retrying the same key."""
    while time.monotonic() < deadline:
        r = api.post(path, json=body, headers={"Idempotency-Key": key})
        tally.saw(r.status_code, r.get_data(as_text=True))
        if r.status_code in (200, 201):
            with tally.lock:
                tally.acknowledged.append(key)
            return
        if r.status_code == 503:
            assert r.headers.get("Retry-After")
        elif r.status_code == 409:
            assert r.get_json()["code"] == "idempotency_key_in_use", r.get_json()
        else:
            return
        time.sleep(0.05)


def test_killed_database_connections_during_scans_and_orders_lose_and_double_nothing(committed_db):
    url, engine = committed_db
    seeded = seed(engine)
    app_url = make_url(url).update_query_dict({"application_name": APP_NAME}).render_as_string(hide_password=False)
    app = create_app({"WMS_SETTINGS": Settings(database_url=app_url)})
    tally = Tally()
    scans, orders = 4 * 6, 4 * 4
    deadline = time.monotonic() + DEADLINE_S
    done = threading.Event()
    kills = []

    def scanner(n: int):
        api = Api(app.test_client(), seeded["operator"])
        for i in range(scans // 4):
            in_process_call(api, tally, f"/asns/{seeded['asn_id']}/receipts", {"barcode": "BA-2", "qty": 1},
                            f"scan-{n}-{i}", deadline)

    def orderer(n: int):
        api = Api(app.test_client(), seeded["seller"])
        for i in range(orders // 4):
            in_process_call(api, tally, "/orders", {"reference": f"F-{n}-{i}", "warehouse": "WH1",
                                                    "ship_to": SHIP_TO, "lines": [{"sku": "A-1", "qty": 1}]},
                            f"order-{n}-{i}", deadline)

    def killer():
        """Every 0.6 s, kill the app's connections that are busy (in a statement or
        a transaction), until 6 rounds have killed one; then the clients finish."""
        with engine.connect() as conn:
            while not done.wait(0.6) and sum(1 for k in kills if k) < KILL_ROUNDS:
                killed = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name AND state <> 'idle'"),
                    {"name": APP_NAME}).scalar()
                conn.commit()
                kills.append(killed)

    threads = [threading.Thread(target=scanner, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=orderer, args=(n,)) for n in range(4)]
    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=40)
    finally:
        done.set()
        kill_thread.join(timeout=10)
        app.extensions["wms"]["engine"].dispose()

    print(f"connections killed {sum(kills)} in {len(kills)} rounds, answers {dict(tally.statuses)}")
    assert not tally.unexpected, tally.unexpected
    assert sum(kills) >= KILL_ROUNDS and tally.statuses[503] >= 1, (kills, tally.statuses)  # the faults did strike
    scan_keys = [k for k in tally.acknowledged if k.startswith("scan-")]
    order_keys = [k for k in tally.acknowledged if k.startswith("order-")]
    assert len(scan_keys) == len(set(scan_keys)) == scans, tally.statuses  # nothing lost
    assert len(order_keys) == len(set(order_keys)) == orders, tally.statuses
    assert received(engine, seeded["asn_id"]) == (scans, scans)  # nothing doubled
    with make_sessionmaker(engine)() as s:
        placed = s.execute(text("SELECT count(*), count(DISTINCT reference) FROM orders")).one()
        reserved = s.execute(text("SELECT coalesce(sum(qty - consumed_qty - released_qty), 0) FROM reservations "
                                  "WHERE status = 'open'")).scalar()
    assert tuple(placed) == (orders, orders)
    assert reserved == orders
    ledger_clean(engine)


# --- SIGKILL of a gunicorn worker in the middle of requests -------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(master: int) -> list[int]:
    """The pids of gunicorn's worker processes (children of the master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return children


def http_call(port: int, token: str, tally: Tally, path: str, body: dict, key: str, deadline: float,
              cuts: list) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key}
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        try:
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            status, payload = response.status, response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException):
            status, payload = 0, ""
            cuts.append(key)  # the worker died under this request: retry the same key
        finally:
            conn.close()
        tally.saw(status, payload)
        if status in (200, 201):
            with tally.lock:
                tally.acknowledged.append(key)
            return
        if status == 409 and json.loads(payload)["code"] != "idempotency_key_in_use":
            return
        if status not in (0, *RETRYABLE):
            return
        time.sleep(0.05)


def test_a_gunicorn_worker_killed_mid_request_loses_and_doubles_nothing(committed_db):
    url, engine = committed_db
    seeded = seed(engine)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", "2", "--worker-class",
         "gthread", "--preload", "--bind", f"127.0.0.1:{port}", "--log-level", "error", "wsgi:app"],
        cwd=ROOT, env={**os.environ, "WMS_DATABASE_URL": url}, stderr=subprocess.DEVNULL,
    )
    tally, cuts, killed = Tally(), [], []
    scans = 4 * 10
    try:
        # (Starting takes a second or two; much longer on a loaded machine.)
        ready_by = time.monotonic() + 90
        while time.monotonic() < ready_by:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not become ready in 90 s")
        deadline = time.monotonic() + DEADLINE_S

        def scanner(n: int):
            for i in range(scans // 4):
                http_call(port, seeded["operator"], tally, f"/api/v1/asns/{seeded['asn_id']}/receipts",
                          {"barcode": "BA-2", "qty": 1}, f"scan-{n}-{i}", deadline, cuts)

        threads = [threading.Thread(target=scanner, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        # Kill a busy worker until one dies under a request (at most 5 times), while the scans go on.
        time.sleep(0.5)
        while len(killed) < 5 and not cuts and any(t.is_alive() for t in threads):
            workers = workers_of(server.pid)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.7)
        for t in threads:
            t.join(timeout=40)
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)

    print(f"workers killed {len(killed)}, requests cut {len(cuts)}, answers {dict(tally.statuses)}")
    assert killed and cuts, (killed, tally.statuses)  # a worker died under a request
    assert not tally.unexpected, tally.unexpected
    keys = tally.acknowledged
    assert len(keys) == len(set(keys)) == scans, tally.statuses  # every scan acknowledged once: none lost
    assert received(engine, seeded["asn_id"]) == (scans, scans)  # none doubled
    ledger_clean(engine)
