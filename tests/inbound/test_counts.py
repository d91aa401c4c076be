"""Blind cycle counts (POST /counts, /counts/{id}/submit, /counts/{id}/approve):
the counter names what it finds in the chosen locations without seeing the
system's quantities; variances post as count adjustments, and one larger
than Settings.count_approval_units (default 10) waits for an admin.

WH1 A01-01-1 holds 10 A-1 of ACME, A01-02-1 holds 7 B-1 of BETA."""
from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.inbound.conftest import (
    LEDGER_TABLES,
    assert_problem,
    buckets,
    create_asn,
    movement_count,
    ok,
    on_hand,
    receive,
    stock_of,
    table_counts,
)
from wms.app import create_app
from wms.auth.principal import Principal
from wms.auth.services import create_token
from wms.config import Settings
from wms.inventory.models import Count, CountLine


def start_count(api, *locations: str, warehouse: str = "WH1") -> dict:
    return ok(api.post("/counts", json={"warehouse": warehouse, "locations": list(locations)}), 201)


def counted(location: str, sku: str, qty: int, seller: str = "ACME", **extra) -> dict:
    return {"location": location, "sku": sku, "seller": seller, "counted_qty": qty, **extra}


def submit(api, count: dict, *lines: dict):
    return api.post(f"/counts/{count['id']}/submit", json={"lines": list(lines)})


def variances(count: dict) -> list[tuple]:
    return [(v["location"], v["sku"], v["system_qty"], v["counted_qty"], v["variance"], v["status"])
            for v in count["variances"]]


def count_postings(api, sku: str, seller: str) -> list[list[tuple]]:
    items = ok(api.get("/ledger", query_string={"warehouse": "WH1", "sku": sku, "seller": seller}))["items"]
    return [sorted((p["location"], p["qty"]) for p in m["postings"]) for m in items if m["kind"] == "count"]


def test_a_count_is_blind_while_open(apis):
    count = start_count(apis.wh1_operator, "A01-01-1", "A01-02-1")

    assert (count["status"], count["warehouse"], count["locations"]) == ("open", "WH1", ["A01-01-1", "A01-02-1"])
    assert count["variances"] == []
    assert ok(apis.wh1_operator.get(f"/counts/{count['id']}")) == count


def test_a_count_that_matches_the_system_posts_nothing(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")

    done = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 10)))

    assert done["status"] == "done"
    assert done["submitted_at"] is not None
    assert done["variances"] == []
    assert movement_count(session, "count") == 0


def test_a_small_variance_posts_at_once_as_a_count_adjustment(apis):
    count = start_count(apis.wh1_operator, "A01-01-1")

    done = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 8)))

    assert done["status"] == "done"
    assert variances(done) == [("A01-01-1", "A-1", 10, 8, -2, "posted")]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=8)
    assert count_postings(apis.acme, "A-1", "ACME") == [[("@ADJUSTMENT", 2), ("A01-01-1", -2)]]


def test_a_unit_found_where_the_system_had_none_posts_as_a_gain(apis):
    count = start_count(apis.wh1_operator, "A02-02-2")

    done = ok(submit(apis.wh1_operator, count, counted("A02-02-2", "A-2", 3)))

    assert variances(done) == [("A02-02-2", "A-2", 0, 3, 3, "posted")]
    assert on_hand(apis.admin, "WH1", "A02-02-2") == {("A-2", None, "good"): 3}
    assert stock_of(apis.acme, "WH1", "A-2") == buckets(sellable=3)


def test_what_the_counter_does_not_report_in_a_counted_location_was_counted_as_zero(apis):
    count = start_count(apis.wh1_operator, "A01-01-1", "A01-02-1")

    done = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 10)))

    assert variances(done) == [("A01-02-1", "B-1", 7, 0, -7, "posted")]
    assert stock_of(apis.beta, "WH1", "B-1") == buckets()


def test_a_variance_above_the_threshold_waits_for_an_admin_and_posts_when_approved(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")

    pending = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 21)))

    assert pending["status"] == "pending_approval"
    assert variances(pending) == [("A01-01-1", "A-1", 10, 21, 11, "pending")]
    assert movement_count(session, "count") == 0
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)

    approved = ok(apis.admin.post(f"/counts/{count['id']}/approve", json={}))

    assert approved["status"] == "done"
    assert approved["approved_at"] is not None
    assert variances(approved) == [("A01-01-1", "A-1", 10, 21, 11, "posted")]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=21)
    assert count_postings(apis.acme, "A-1", "ACME") == [[("@ADJUSTMENT", -11), ("A01-01-1", 11)]]


def test_a_variance_of_exactly_the_threshold_posts_at_once(apis):
    count = start_count(apis.wh1_operator, "A01-01-1")

    done = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 0)))

    assert done["status"] == "done"
    assert variances(done) == [("A01-01-1", "A-1", 10, 0, -10, "posted")]


def test_small_variances_post_while_large_ones_of_the_same_count_wait(apis):
    count = start_count(apis.wh1_operator, "A01-01-1", "A01-02-1")

    pending = ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 40),
                        counted("A01-02-1", "B-1", 6, seller="BETA")))

    assert pending["status"] == "pending_approval"
    assert variances(pending) == [("A01-01-1", "A-1", 10, 40, 30, "pending"),
                                  ("A01-02-1", "B-1", 7, 6, -1, "posted")]
    assert stock_of(apis.beta, "WH1", "B-1") == buckets(sellable=6)
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_an_admin_rejects_a_large_variance_and_nothing_posts(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 50)))

    rejected = ok(apis.admin.post(f"/counts/{count['id']}/approve", json={"approve": False}))

    assert rejected["status"] == "done"
    assert variances(rejected) == [("A01-01-1", "A-1", 10, 50, 40, "rejected")]
    assert movement_count(session, "count") == 0
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)


def test_an_approved_variance_posts_relative_to_the_stock_at_approval(apis):
    count = start_count(apis.wh1_operator, "A01-01-1")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 30)))  # +20 waits
    ok(apis.admin.post("/adjustments", json={"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1",
                                             "seller": "ACME", "qty": 4, "reason": "found"}), 201)

    ok(apis.admin.post(f"/counts/{count['id']}/approve", json={}))

    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=34)


def test_approving_twice_or_approving_an_open_count_is_an_invalid_state(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")
    assert_problem(apis.admin.post(f"/counts/{count['id']}/approve", json={}), 409, "invalid_state")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 25)))
    ok(apis.admin.post(f"/counts/{count['id']}/approve", json={}))

    assert_problem(apis.admin.post(f"/counts/{count['id']}/approve", json={}), 409, "invalid_state")
    assert movement_count(session, "count") == 1


def test_a_count_is_submitted_only_once(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 8)))

    assert_problem(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 6)), 409, "invalid_state")
    assert movement_count(session, "count") == 1
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=8)


def test_only_an_admin_approves(apis):
    count = start_count(apis.wh1_operator, "A01-01-1")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 30)))

    assert_problem(apis.wh1_operator.post(f"/counts/{count['id']}/approve", json={}), 403, "forbidden")
    assert_problem(apis.acme.post(f"/counts/{count['id']}/approve", json={}), 403, "forbidden")
    assert ok(apis.wh1_operator.get(f"/counts/{count['id']}"))["status"] == "pending_approval"


def test_counts_are_listed_by_status(apis):
    a = start_count(apis.wh1_operator, "A01-01-1")
    b = start_count(apis.wh1_operator, "A01-02-1")
    c = start_count(apis.wh2_operator, "A01-01-1", warehouse="WH2")
    ok(submit(apis.wh1_operator, a, counted("A01-01-1", "A-1", 99)))

    def ids(api, **query):
        return [x["id"] for x in ok(api.get("/counts", query_string=query))["items"]]

    assert ids(apis.admin) == [a["id"], b["id"], c["id"]]
    assert ids(apis.admin, status="pending_approval") == [a["id"]]
    assert ids(apis.wh1_operator, status="open") == [b["id"]]
    assert ids(apis.wh2_operator) == [c["id"]]
    assert_problem(apis.admin.get("/counts", query_string={"status": "lost"}), 422, "validation_error", "status")


def damaged_in_quarantine(apis, qty: int = 3) -> None:
    asn = create_asn(apis.acme, lines=[{"sku": "A-1", "qty": qty}])
    receive(apis.wh1_operator, asn["id"], barcode="BA-1", qty=qty, condition="damaged")
    ok(apis.wh1_operator.post(f"/asns/{asn['id']}/close"))


def test_damaged_units_counted_as_damaged_match_the_system(apis, session):
    damaged_in_quarantine(apis)
    count = start_count(apis.wh1_operator, "QUARANTINE")

    done = ok(submit(apis.wh1_operator, count, counted("QUARANTINE", "A-1", 3, condition="damaged")))

    assert (done["status"], done["variances"]) == ("done", [])
    assert movement_count(session, "count") == 0
    assert on_hand(apis.admin, "WH1", "QUARANTINE") == {("A-1", None, "damaged"): 3}


def test_fewer_damaged_units_than_recorded_post_as_a_damaged_variance(apis):
    damaged_in_quarantine(apis)
    count = start_count(apis.wh1_operator, "QUARANTINE")

    done = ok(submit(apis.wh1_operator, count, counted("QUARANTINE", "A-1", 1, condition="damaged")))

    assert [(v["condition"], v["system_qty"], v["counted_qty"], v["status"]) for v in done["variances"]] == [
        ("damaged", 3, 1, "posted")]
    assert on_hand(apis.admin, "WH1", "QUARANTINE") == {("A-1", None, "damaged"): 1}
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, unsellable=1)


def test_counting_a_location_with_damaged_units_never_invents_stock(apis):
    damaged_in_quarantine(apis)
    count = start_count(apis.wh1_operator, "QUARANTINE")

    # The counter reports the three units it sees without saying they are damaged.
    done = ok(submit(apis.wh1_operator, count, counted("QUARANTINE", "A-1", 3)))

    assert sorted((v["condition"], v["variance"]) for v in done["variances"]) == [("damaged", -3), ("good", 3)]
    assert sum(on_hand(apis.admin, "WH1", "QUARANTINE").values()) == 3
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10, unsellable=3)


# --- the threshold is a setting ----------------------------------------------------

@pytest.fixture
def strict_api(database_url, sessionmaker_, world):
    """An admin and a WH1 operator of an app whose counts wait for approval above 2 units."""
    app = create_app({"TESTING": True, "WMS_SETTINGS": Settings(database_url=database_url, count_approval_units=2),
                      "WMS_SESSIONMAKER": sessionmaker_})
    session = sessionmaker_()
    _token, raw = create_token(session, Principal.system("tests"), name="strict operator", role="operator",
                               warehouses=["WH1"])
    session.close()
    return Api(app.test_client(), raw)


def test_the_approval_threshold_is_configurable(apis, strict_api):
    count = start_count(strict_api, "A01-01-1", "A01-02-1")

    pending = ok(submit(strict_api, count, counted("A01-01-1", "A-1", 7), counted("A01-02-1", "B-1", 5, "BETA")))

    assert variances(pending) == [("A01-01-1", "A-1", 10, 7, -3, "pending"),
                                  ("A01-02-1", "B-1", 7, 5, -2, "posted")]
    assert stock_of(apis.acme, "WH1", "A-1") == buckets(sellable=10)
    assert stock_of(apis.beta, "WH1", "B-1") == buckets(sellable=5)


# --- who counts -------------------------------------------------------------------

def test_sellers_have_nothing_to_do_with_counts(apis):
    count = start_count(apis.wh1_operator, "A01-01-1")

    for seller in (apis.acme, apis.beta):
        assert_problem(seller.post("/counts", json={"warehouse": "WH1", "locations": ["A01-01-1"]}), 403,
                       "forbidden")
        assert_problem(seller.get("/counts"), 403, "forbidden")
        assert_problem(seller.get(f"/counts/{count['id']}"), 403, "forbidden")
        assert_problem(submit(seller, count, counted("A01-01-1", "A-1", 0)), 403, "forbidden")
    assert ok(apis.wh1_operator.get(f"/counts/{count['id']}"))["status"] == "open"


def test_an_operator_of_another_warehouse_does_not_find_the_count(apis, session):
    count = start_count(apis.wh1_operator, "A01-01-1")

    assert_problem(apis.wh2_operator.get(f"/counts/{count['id']}"), 404, "not_found")
    assert ok(apis.wh2_operator.get("/counts"))["items"] == []
    assert_problem(submit(apis.wh2_operator, count, counted("A01-01-1", "A-1", 0)), 404, "not_found")
    assert_problem(apis.wh2_operator.post("/counts", json={"warehouse": "WH1", "locations": ["A01-01-1"]}), 422,
                   "validation_error", "warehouse")
    assert_problem(apis.admin.get("/counts/999999"), 404, "not_found")
    assert movement_count(session, "count") == 0


# --- bad input ------------------------------------------------------------------

BAD_COUNTS = [
    pytest.param({"locations": []}, "locations", id="no-locations"),
    pytest.param({"locations": None}, "locations", id="locations-missing"),
    pytest.param({"locations": ["A01-01-1", "A01-01-1"]}, "locations", id="location-twice"),
    pytest.param({"locations": ["Z99-99-9"]}, "locations.0", id="unknown-location"),
    pytest.param({"locations": ["A01-01-1", "@ADJUSTMENT"]}, "locations.1", id="virtual-location"),
    pytest.param({"locations": "A01-01-1"}, "locations", id="locations-not-a-list"),
    pytest.param({"warehouse": "NOWHERE"}, "warehouse", id="unknown-warehouse"),
    pytest.param({"warehouse": None}, "warehouse", id="no-warehouse"),
]


@pytest.mark.parametrize(("change", "field"), BAD_COUNTS)
def test_a_bad_count_is_refused_naming_the_field(apis, session, change, field):
    body = {k: v for k, v in {"warehouse": "WH1", "locations": ["A01-01-1"], **change}.items() if v is not None}

    assert_problem(apis.wh1_operator.post("/counts", json=body), 422, "validation_error", field)
    assert table_counts(session, Count)["counts"] == 0


BAD_SUBMISSIONS = [
    pytest.param([counted("A01-02-1", "B-1", 7, "BETA")], "lines.0.location", id="location-not-counted"),
    pytest.param([counted("Z99-99-9", "A-1", 1)], "lines.0.location", id="unknown-location"),
    pytest.param([counted("A01-01-1", "A-1", -1)], "lines.0.counted_qty", id="negative-count"),
    pytest.param([counted("A01-01-1", "A-1", "10")], "lines.0.counted_qty", id="count-as-string"),
    pytest.param([{"location": "A01-01-1", "sku": "A-1", "seller": "ACME"}], "lines.0.counted_qty",
                 id="no-count"),
    pytest.param([counted("A01-01-1", "NOPE", 1)], "lines.0.sku", id="unknown-sku"),
    pytest.param([counted("A01-01-1", "A-1", 10), {"location": "A01-01-1", "sku": "B-1", "counted_qty": 0}],
                 "lines.1.seller", id="code-without-seller"),
    pytest.param([counted("A01-01-1", "A-1", 10), counted("A01-01-1", "A-1", 2)], "lines.1", id="counted-twice"),
    pytest.param("lots", "lines", id="lines-not-a-list"),
    pytest.param([counted("A01-01-1", "A-1", 1, condition="broken")], "lines.0.condition", id="unknown-condition"),
]


@pytest.mark.parametrize(("lines", "field"), BAD_SUBMISSIONS)
def test_a_bad_submission_is_refused_naming_the_field_and_the_count_stays_open(apis, session, lines, field):
    count = start_count(apis.wh1_operator, "A01-01-1")
    before = table_counts(session, *LEDGER_TABLES, CountLine)

    assert_problem(apis.wh1_operator.post(f"/counts/{count['id']}/submit", json={"lines": lines}), 422,
                   "validation_error", field)

    assert table_counts(session, *LEDGER_TABLES, CountLine) == before
    assert ok(apis.wh1_operator.get(f"/counts/{count['id']}"))["status"] == "open"


@pytest.mark.parametrize(("body", "field"), [
    pytest.param({"approve": "perhaps"}, "approve", id="not-a-boolean"),
    pytest.param({"approve": None}, "approve", id="null"),
    pytest.param({"reject": True}, "reject", id="unknown-field"),
])
def test_a_bad_approval_is_refused_and_the_count_keeps_waiting(apis, session, body, field):
    count = start_count(apis.wh1_operator, "A01-01-1")
    ok(submit(apis.wh1_operator, count, counted("A01-01-1", "A-1", 30)))

    assert_problem(apis.admin.post(f"/counts/{count['id']}/approve", json=body), 422, "validation_error", field)

    assert ok(apis.admin.get(f"/counts/{count['id']}"))["status"] == "pending_approval"
    assert movement_count(session, "count") == 0
