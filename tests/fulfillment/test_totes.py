"""Sort while picking: a tote per order of a batch pick list, scanned at the
start; each pick then says which tote its units go into and records it."""
from __future__ import annotations

import pytest

from tests.factories import put_stock
from tests.fulfillment.conftest import confirm, new_key, ok, place, plan


def totes(api, pick_list_id: int, **body):
    return api.post(f"/pick-lists/{pick_list_id}/totes", json=body, headers={"Idempotency-Key": new_key()})


@pytest.fixture
def batch(apis, world, session) -> dict:
    """Two orders of ACME on one pick list of WH1."""
    put_stock(session, world.wh1, "A02-01-1", world.skus_a[1], 5)
    first = place(apis.acme, ("A-1", 2))
    second = place(apis.acme, ("A-2", 1))
    [pick_list] = plan(apis.wh1_operator)["pick_lists"]
    assert {p["order_id"] for p in pick_list["picks"]} == {first["id"], second["id"]}
    return {"orders": (first, second), "pick_list": pick_list}


def test_totes_go_to_the_orders_in_route_order_and_each_pick_records_its_tote(apis, batch):
    pick_list = batch["pick_list"]
    route_orders = list(dict.fromkeys(p["order_id"] for p in pick_list["picks"]))
    assert [t["tote"] for t in pick_list["totes"]] == [None, None]

    ok(totes(apis.wh1_operator, pick_list["id"], tote="t-1"))
    after = ok(totes(apis.wh1_operator, pick_list["id"], tote="T-2"))

    assert [(t["order_id"], t["tote"]) for t in after["totes"]] == [(route_orders[0], "T-1"), (route_orders[1], "T-2")]
    assert all(p["tote"] == ("T-1" if p["order_id"] == route_orders[0] else "T-2") for p in after["picks"])
    first = after["picks"][0]
    done = ok(confirm(apis.wh1_operator, pick_list["id"], first["seq"], location=first["location"],
                      barcode="B" + first["sku"], qty=first["qty"]))
    assert done["picks"][0]["tote"] == first["tote"]


def test_a_tote_used_twice_or_still_full_is_refused(apis, world, session, batch):
    pick_list = batch["pick_list"]
    given = ok(totes(apis.wh1_operator, pick_list["id"], tote="T-1"))
    other_order = next(t["order_id"] for t in given["totes"] if t["tote"] is None)

    again = totes(apis.wh1_operator, pick_list["id"], tote="T-1", order_id=other_order)
    assert again.status_code == 409 and "tote" in again.get_json()["errors"]
    ok(totes(apis.wh1_operator, pick_list["id"], tote="T-2"))
    every = totes(apis.wh1_operator, pick_list["id"], tote="T-3")
    assert every.status_code == 409  # every order has its tote

    # Another list cannot take T-1 while SO's units are in it (not packed yet).
    put_stock(session, world.wh1, "A02-02-1", world.skus_a[0], 5)
    place(apis.acme, ("A-1", 1))
    place(apis.acme, ("A-1", 1))
    [other] = plan(apis.wh1_operator)["pick_lists"]
    busy = totes(apis.wh1_operator, other["id"], tote="T-1")
    assert busy.status_code == 409
    assert "still holds order" in busy.get_json()["detail"]
    assert [t["tote"] for t in ok(apis.wh1_operator.get(f"/pick-lists/{other['id']}"))["totes"]] == [None, None]


def test_a_tote_needs_a_label_and_an_order_of_the_list(apis, batch):
    pick_list = batch["pick_list"]

    assert totes(apis.wh1_operator, pick_list["id"], tote="").status_code == 422
    wrong = totes(apis.wh1_operator, pick_list["id"], tote="T-9", order_id=999_999)
    assert wrong.status_code == 422 and "order_id" in wrong.get_json()["errors"]
    assert totes(apis.wh2_operator, pick_list["id"], tote="T-9").status_code == 404
