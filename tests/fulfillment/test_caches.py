"""The per-process caches of the scan paths (wms.cache, issue 12): what a
cache keeps is what the database holds, a change made through the
application is seen at once, one made elsewhere (another process, SQL by
hand) within the cache's expiry, and nothing read in a transaction that
rolled back is ever kept."""
from __future__ import annotations

from sqlalchemy import select, update

from tests.api.conftest import assert_problem
from tests.fulfillment.conftest import confirm, ok, place, plan
from wms.auth.models import Token
from wms.auth.principal import Principal
from wms.auth.services import TOKEN_CACHE_SECONDS, hash_token
from wms.catalog.services import BARCODE_CACHE_SECONDS, barcode_sku_id, update_sku
from wms.db import codes_of, utcnow
from wms.facility.models import Location
from wms.facility.services import location_ref


def _token_id(api, session) -> int:
    found = session.scalar(select(Token.id).where(Token.token_hash == hash_token(api.token)))
    session.commit()
    return found


def test_a_token_revoked_through_the_application_stops_at_once_though_cached(apis, session, frozen_cache_clock):
    assert apis.acme.get("/skus").status_code == 200  # cached now
    assert apis.admin.delete(f"/tokens/{_token_id(apis.acme, session)}").status_code == 204

    assert_problem(apis.acme.get("/skus"), 401, "unauthenticated")


def test_a_token_revoked_elsewhere_stops_within_the_expiry(apis, session, frozen_cache_clock):
    assert apis.acme.get("/skus").status_code == 200
    session.execute(update(Token).where(Token.token_hash == hash_token(apis.acme.token)).values(revoked_at=utcnow()))
    session.commit()  # as another process (or SQL by hand) would

    assert apis.acme.get("/skus").status_code == 200  # still the cached principal
    frozen_cache_clock(TOKEN_CACHE_SECONDS + 0.1)
    assert_problem(apis.acme.get("/skus"), 401, "unauthenticated")


def test_a_barcode_moved_to_another_sku_is_seen_by_the_next_pick(apis, world, session, frozen_cache_clock):
    a1, a2 = world.skus_a
    assert barcode_sku_id(session, "BA-1", seller_id=a1.seller_id) == a1.id
    session.commit()  # the answer is kept once its transaction commits
    update_sku(session, Principal.system(), a1.id, {"barcodes": ["BA-1-NEW"]})
    update_sku(session, Principal.system(), a2.id, {"barcodes": ["BA-1"]})

    assert barcode_sku_id(session, "BA-1", seller_id=a1.seller_id) == a2.id
    place(apis.acme, ("A-1", 1))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    [pick] = pick_list["picks"]
    wrong = confirm(apis.wh1_operator, pick_list["id"], pick["seq"], location=pick["location"], barcode="BA-1", qty=1)
    assert_problem(wrong, 422, "validation_error", "barcode")
    ok(confirm(apis.wh1_operator, pick_list["id"], pick["seq"], location=pick["location"], barcode="BA-1-NEW",
               qty=1))


def test_a_barcode_changed_elsewhere_is_seen_within_the_expiry(world, session, frozen_cache_clock):
    from wms.catalog.models import Barcode

    a1, a2 = world.skus_a
    assert barcode_sku_id(session, "BA-1", seller_id=a1.seller_id) == a1.id
    session.commit()
    session.execute(update(Barcode).where(Barcode.code == "BA-1").values(code="BA-1-GONE"))
    session.commit()

    assert barcode_sku_id(session, "BA-1", seller_id=a1.seller_id) == a1.id  # cached
    frozen_cache_clock(BARCODE_CACHE_SECONDS + 0.1)
    assert barcode_sku_id(session, "BA-1", seller_id=a1.seller_id) is None


def test_what_a_rolled_back_transaction_read_is_not_kept(world, session, count_statements):
    wh1 = world.wh1.id
    session.commit()
    with count_statements() as first:
        ref = location_ref(session, wh1, "A01-01-1")
        codes = codes_of(session, Location, [ref.id])
    session.rollback()
    with count_statements() as again:
        location_ref(session, wh1, "A01-01-1")
        codes_of(session, Location, [ref.id])
    session.commit()
    with count_statements() as cached:
        assert location_ref(session, wh1, "A01-01-1") == ref
        assert codes_of(session, Location, [ref.id]) == codes == {ref.id: "A01-01-1"}

    def reads(statements):
        return [s for s in statements if "FROM locations" in s]

    assert len(reads(first)) == len(reads(again)) == 2
    assert reads(cached) == []

