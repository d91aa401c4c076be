"""Receiving under real concurrency: handhelds on flaky Wi-Fi resend a scan
while the first attempt is still in flight, and several handhelds scan into
one ASN at once. Threads, each with its own test client of an app on a
committed database (so every request is its own connection and commit)."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import Api, assert_ledger_clean
from tests.factories import ADMIN, make_world
from wms.app import create_app
from wms.auth.services import create_token
from wms.catalog.services import create_sku
from wms.config import Settings
from wms.db import make_sessionmaker
from wms.facility.models import Location
from wms.idempotency_models import IdempotencyKey
from wms.inbound.models import Asn, Receipt
from wms.inbound.services import create_asn
from wms.inventory.models import Task
from wms.ledger.models import Balance, Movement

pytestmark = pytest.mark.concurrency

THREADS = 10
DOCKS = select(Location.id).where(Location.kind == "dock").scalar_subquery()


@pytest.fixture
def dock(committed_db):
    """(app, operator token, ASN id, engine): the world committed, ACME's ASN
    of 100 A-1 into WH1, and an app of its own on that database."""
    url, engine = committed_db
    with make_sessionmaker(engine)() as s:
        make_world(s)
        _token, raw = create_token(s, ADMIN, name="handhelds", role="operator", warehouses=["WH1"])
        asn = create_asn(s, ADMIN, {"warehouse": "WH1", "reference": "PO-RACE", "seller": "ACME",
                                    "lines": [{"sku": "A-1", "qty": 100}]})
        asn_id = asn.id
    app = create_app({"WMS_SETTINGS": Settings(database_url=url)})
    yield app, raw, asn_id, engine
    app.extensions["wms"]["engine"].dispose()


def race(app, token: str, requests: list[tuple[str, dict, dict]]):
    """Send the requests at once, one thread and one client each; return the responses."""
    start = threading.Barrier(len(requests))

    def send(request):
        path, body, headers = request
        api = Api(app.test_client(), token)
        api.get("/asns", query_string={"limit": 1})  # connect before the race, not during it
        start.wait(timeout=30)
        return api.post(path, json=body, headers=headers)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_ten_copies_of_one_scan_sent_at_once_count_once(dock):
    app, token, asn_id, engine = dock
    scan = (f"/asns/{asn_id}/receipts", {"barcode": "BA-1", "qty": 6}, {"Idempotency-Key": "hh-3:scan-77"})

    responses = race(app, token, [scan] * THREADS)

    outcomes = Counter(r.status_code for r in responses)
    assert set(outcomes) <= {201, 409}, [r.get_json() for r in responses]
    assert outcomes[201] >= 1
    assert all(r.get_json()["code"] == "idempotency_key_in_use" for r in responses if r.status_code == 409)
    firsts = [r for r in responses if r.status_code == 201 and r.headers.get("Idempotent-Replayed") != "true"]
    assert len(firsts) == 1
    assert all(r.get_json() == firsts[0].get_json() for r in responses if r.status_code == 201)

    # The handheld that got "in use" retries once more, and is answered from the first scan.
    retry = Api(app.test_client(), token).post(*scan[:1], json=scan[1], headers=scan[2])
    assert (retry.status_code, retry.headers.get("Idempotent-Replayed")) == (201, "true")
    assert retry.get_json() == firsts[0].get_json()

    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "receipt")) == 1
        assert s.scalar(select(func.count()).select_from(Receipt)) == 1
        assert s.scalar(select(func.sum(Task.qty)).where(Task.type == "putaway")) == 6
        assert s.get(Asn, asn_id).lines[0].received_qty == 6
        [key] = s.scalars(select(IdempotencyKey)).all()
        assert (key.status, key.response_status) == ("completed", 201)
        assert_ledger_clean(s)


def test_ten_handhelds_scanning_different_units_into_one_asn_at_once_count_every_unit(dock):
    app, token, asn_id, engine = dock
    scans = [(f"/asns/{asn_id}/receipts", {"barcode": "BA-1", "qty": n + 1}, {"Idempotency-Key": f"hh-{n}:1"})
             for n in range(THREADS)]

    responses = race(app, token, scans)

    assert [r.status_code for r in responses] == [201] * THREADS, [r.get_json() for r in responses]
    total = sum(range(1, THREADS + 1))
    with make_sessionmaker(engine)() as s:
        asn = s.get(Asn, asn_id)
        assert (asn.status, asn.lines[0].received_qty) == ("receiving", total)
        assert s.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "receipt")) == THREADS
        dock_qty = s.scalar(select(func.sum(Balance.qty)).where(Balance.sku_id == asn.lines[0].sku_id,
                                                               Balance.location_id.in_(DOCKS)))
        assert dock_qty == total
        assert s.scalar(select(func.sum(Task.qty)).where(Task.type == "putaway")) == total
        assert_ledger_clean(s)


def test_the_same_new_lot_arriving_on_ten_asns_at_once_is_received_on_all_of_them(dock):
    app, token, _asn_id, engine = dock
    with make_sessionmaker(engine)() as s:
        create_sku(s, ADMIN, {"seller": "ACME", "code": "E-1", "name": "Eggs", "lot_tracked": True,
                              "expiry_tracked": True, "barcodes": ["BE-1"]})
        asn_ids = [create_asn(s, ADMIN, {"warehouse": "WH1", "reference": f"PO-LOT-{n}", "seller": "ACME",
                                         "lines": [{"sku": "E-1", "qty": 5}]}).id for n in range(THREADS)]
    scans = [(f"/asns/{asn_id}/receipts", {"barcode": "BE-1", "qty": 5, "lot": "L-0042", "expiry": "2031-03-31"},
              {"Idempotency-Key": f"hh-{n}:lot"}) for n, asn_id in enumerate(asn_ids)]

    responses = race(app, token, scans)

    assert [r.status_code for r in responses] == [201] * THREADS, [r.get_json() for r in responses]
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == THREADS
        assert_ledger_clean(s)


def test_ten_handhelds_racing_past_the_over_receipt_tolerance_let_in_no_unit_too_many(dock):
    """100 expected, 5% tolerance: 105 may come in unasked. Ten scans of 11
    at once: nine fit (99), the tenth would make 110 and must be asked about,
    whichever thread comes last."""
    app, token, asn_id, engine = dock
    scans = [(f"/asns/{asn_id}/receipts", {"barcode": "BA-1", "qty": 11}, {"Idempotency-Key": f"hh-{n}:over"})
             for n in range(THREADS)]

    responses = race(app, token, scans)

    assert sorted(r.status_code for r in responses) == [201] * 9 + [409]
    assert [r.get_json()["code"] for r in responses if r.status_code == 409] == ["over_receipt"]
    with make_sessionmaker(engine)() as s:
        assert s.get(Asn, asn_id).lines[0].received_qty == 99
        assert s.scalar(select(func.count()).select_from(Receipt)) == 9
        assert_ledger_clean(s)
