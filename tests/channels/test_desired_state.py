"""Desired state follows the ledger in the same transaction: a stock change
bumps each affected listing's quantity and version before it commits; a
rolled-back change leaves them as they were; concurrent changes of one SKU
in two warehouses never leave a sum that misses one of them."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.channels.conftest import channel_row, listing_row, webhook_channel
from tests.conftest import ADMIN
from tests.factories import SkuFactory, bind_factories, make_warehouse, put_stock
from wms.catalog.models import Seller
from wms.channels.models import Listing
from wms.channels.services import add_listings, create_channel
from wms.db import make_sessionmaker, transaction
from wms.extensions import load_extensions


@pytest.fixture
def listed(apis):
    channel_id = apis.acme.post("/channels", json=webhook_channel(warehouses=["WH1", "WH2"])).json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "E1"}]})
    return channel_id


def test_a_stock_change_bumps_the_listing_in_its_own_transaction(apis, session, listed, world):
    before = listing_row(session, listed, "E1")
    assert before.desired_qty == 15

    put_stock(session, world.wh2, "A01-02-1", world.skus_a[0], 4)

    after = listing_row(session, listed, "E1")
    assert after.desired_qty == 19
    assert after.version > before.version
    assert channel_row(session, listed).version == after.version


def test_a_rolled_back_stock_change_leaves_the_listing_as_it_was(apis, session, listed, world):
    before = listing_row(session, listed, "E1")

    with pytest.raises(RuntimeError), transaction(session):
        put_stock(session, world.wh1, "A01-02-1", world.skus_a[0], 7)
        raise RuntimeError("the request fails after the movement")

    after = listing_row(session, listed, "E1")
    assert (after.desired_qty, after.version) == (before.desired_qty, before.version)
    assert channel_row(session, listed).version == before.version


def test_a_failed_movement_changes_no_listing(apis, session, listed, world):
    before = listing_row(session, listed, "E1")
    r = apis.admin.post("/moves", json={"warehouse": "WH1", "from_location": "A01-01-1", "to_location": "A01-03-1",
                                        "sku": "A-1", "seller": "ACME", "qty": 99})
    assert r.status_code == 409
    after = listing_row(session, listed, "E1")
    assert (after.desired_qty, after.version) == (before.desired_qty, before.version)


def test_a_move_inside_a_warehouse_changes_nothing_to_sell(apis, session, listed):
    before = listing_row(session, listed, "E1")
    r = apis.admin.post("/moves", json={"warehouse": "WH1", "from_location": "A01-01-1", "to_location": "A01-03-1",
                                        "sku": "A-1", "seller": "ACME", "qty": 3})
    assert r.status_code in (200, 201), r.json
    after = listing_row(session, listed, "E1")
    assert (after.desired_qty, after.version) == (before.desired_qty, before.version)


def test_stock_in_a_warehouse_the_channel_does_not_sell_from_changes_nothing(apis, session, world):
    channel_id = apis.acme.post("/channels", json=webhook_channel(warehouses=["WH2"])).json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "E1"}]})
    before = listing_row(session, channel_id, "E1")

    put_stock(session, world.wh1, "A01-02-1", world.skus_a[0], 4)

    after = listing_row(session, channel_id, "E1")
    assert (after.desired_qty, after.version) == (before.desired_qty, before.version) == (5, before.version)


def test_an_order_reserving_stock_lowers_what_the_channel_may_sell(apis, session, listed):
    r = apis.acme.post("/orders", json={
        "reference": "SO-1", "warehouse": "WH1",
        "ship_to": {"name": "A", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"},
        "lines": [{"sku": "A-1", "qty": 4}]})
    assert r.status_code == 201, r.json

    assert listing_row(session, listed, "E1").desired_qty == 11


# --- concurrency (PostgreSQL: real row locks) ---------------------------------

@pytest.mark.concurrency
@pytest.mark.postgres_only
def test_concurrent_changes_in_two_warehouses_both_reach_the_listing(requires_postgres, committed_db, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("WMS_CHANNEL_KEYS", Fernet.generate_key().decode())
    load_extensions()
    _url, engine = committed_db
    make = make_sessionmaker(engine)
    with make() as s:
        bind_factories(s)
        wh1, wh2 = make_warehouse(s, "WH1"), make_warehouse(s, "WH2", "DE")
        seller = Seller(code="ACME", name="Acme")
        s.add(seller)
        s.commit()
        sku = SkuFactory(seller=seller, code="A-1")
        s.commit()
        channel = create_channel(s, ADMIN, {"name": "Hook", "kind": "webhook", "seller": "ACME",
                                            "warehouses": ["WH1", "WH2"],
                                            "settings": {"url": "http://127.0.0.1:9/", "secret": "x"}})
        add_listings(s, ADMIN, channel.id, [{"sku": "A-1", "external_id": "E1"}])
        sku_id, wh_ids = sku.id, {"WH1": wh1, "WH2": wh2}

    rounds = 15
    errors = []
    barrier = threading.Barrier(2)

    def worker(code):
        try:
            with make() as s:
                sku_obj = s.get(type(sku), sku_id)
                warehouse = s.get(type(wh1), wh_ids[code].id)
                for _ in range(rounds):
                    barrier.wait()
                    put_stock(s, warehouse, "A01-01-1", sku_obj, 1)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(code,)) for code in ("WH1", "WH2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with make() as s:
        row = s.scalars(select(Listing)).one()
        assert row.desired_qty == 2 * rounds
        versions = s.scalars(select(Listing.version)).all()
        assert versions == [row.version]




def test_wms_check_finds_a_listing_whose_desired_quantity_does_not_follow_stock(apis, session, listed):
    from sqlalchemy import update

    from wms.channels.checks import check_desired

    assert check_desired(session) == []
    session.execute(update(Listing).where(Listing.channel_id == listed).values(desired_qty=Listing.desired_qty + 1))
    problems = check_desired(session)
    session.rollback()

    assert len(problems) == 1 and "desired 16, but the stock and rules give 15" in problems[0]
