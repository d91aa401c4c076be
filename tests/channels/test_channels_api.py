"""Channels and listings through the API: creating them, credentials that
are write-only and encrypted at rest, isolation between sellers, bulk
listing upload, the pull feed, reconciliation requests, bad input."""
from __future__ import annotations

from sqlalchemy import select

from tests.channels.conftest import TEST_KEY, assert_problem, channel_row, webhook_channel
from wms.channels import secrets
from wms.channels.models import Channel


def test_a_seller_creates_a_channel_and_never_sees_its_secret_again(apis, session):
    r = apis.acme.post("/channels", json=webhook_channel())

    assert r.status_code == 201, r.json
    body = r.json
    assert body["seller"] == "ACME" and body["kind"] == "webhook" and body["warehouses"] == ["WH1"]
    assert body["settings"] == {"url": "http://127.0.0.1:9/hook"}
    assert body["credentials"] == ["secret"]
    assert "s3cret-value" not in r.get_data(as_text=True)
    assert "s3cret-value" not in apis.acme.get(f"/channels/{body['id']}").get_data(as_text=True)
    assert "s3cret-value" not in apis.admin.get("/channels").get_data(as_text=True)


def test_credentials_are_stored_encrypted_with_the_key_from_the_environment(apis, session, monkeypatch):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    stored = channel_row(session, channel_id).credentials

    assert b"s3cret-value" not in stored
    assert secrets.unseal(stored) == {"secret": "s3cret-value"}
    from cryptography.fernet import Fernet

    monkeypatch.setenv("WMS_CHANNEL_KEYS", Fernet.generate_key().decode())
    try:
        secrets.unseal(stored)
        raise AssertionError("decrypted with another key")
    except Exception as exc:  # noqa: BLE001
        assert "cannot be decrypted" in str(exc)


def test_a_rotated_key_still_reads_old_credentials_and_rotation_rewrites_them(apis, session, monkeypatch):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    old = channel_row(session, channel_id).credentials
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("WMS_CHANNEL_KEYS", f"{new_key},{TEST_KEY}")
    assert secrets.unseal(old) == {"secret": "s3cret-value"}
    rotated = secrets.rotate(old)
    monkeypatch.setenv("WMS_CHANNEL_KEYS", new_key)
    assert secrets.unseal(rotated) == {"secret": "s3cret-value"}


def test_changing_settings_keeps_the_secrets_not_named(apis, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]

    r = apis.acme.patch(f"/channels/{channel_id}", json={"settings": {"url": "http://127.0.0.1:9/new"}})

    assert r.status_code == 200, r.json
    assert r.json["settings"] == {"url": "http://127.0.0.1:9/new"}
    assert secrets.unseal(channel_row(session, channel_id).credentials) == {"secret": "s3cret-value"}


def test_an_admin_creates_a_channel_for_a_named_seller(apis):
    r = apis.admin.post("/channels", json=webhook_channel(seller="BETA"))
    assert r.status_code == 201 and r.json["seller"] == "BETA"


def test_sellers_see_only_their_own_channels(apis):
    acme_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    beta_id = apis.beta.post("/channels", json=webhook_channel()).json["id"]

    assert [c["id"] for c in apis.acme.get("/channels").json["items"]] == [acme_id]
    assert [c["id"] for c in apis.beta.get("/channels").json["items"]] == [beta_id]
    assert_problem(apis.beta.get(f"/channels/{acme_id}"), 404, "not_found")
    assert_problem(apis.beta.post(f"/channels/{acme_id}/listings", json={"listings": [{"sku": "A-1",
                                                                                       "external_id": "x"}]}),
                   404, "not_found")
    assert_problem(apis.beta.get(f"/channels/{acme_id}/stock"), 404, "not_found")
    assert_problem(apis.beta.post(f"/channels/{acme_id}/reconcile"), 404, "not_found")
    assert_problem(apis.wh1_operator.get("/channels"), 403, "forbidden")


def test_a_seller_cannot_list_another_sellers_sku(apis):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    r = apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "B-1", "external_id": "x"}]})
    assert_problem(r, 422, "validation_error", "listings.0.sku")


def test_listings_upload_in_bulk_and_show_their_desired_quantity(apis, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]

    r = apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [
        {"sku": "A-1", "external_id": "EXT-A1"}, {"sku": "A-2", "external_id": "EXT-A2"}]})

    assert r.status_code == 201, r.json
    rows = {x["sku"]: x for x in r.json["items"]}
    # WH1 holds 10 A-1 (the channel sells from WH1 only), no A-2.
    assert rows["A-1"]["desired_qty"] == 10 and rows["A-2"]["desired_qty"] == 0
    assert rows["A-1"]["status"] == "pending" and rows["A-1"]["pushed_qty"] is None
    listed = apis.acme.get(f"/channels/{channel_id}/listings").json["items"]
    assert [(x["sku"], x["external_id"], x["desired_qty"]) for x in listed] == [
        ("A-1", "EXT-A1", 10), ("A-2", "EXT-A2", 0)]
    assert set(listed[0]) >= {"sku", "external_id", "desired_qty", "pushed_qty", "status", "last_pushed_at",
                              "last_error"}


def test_uploading_a_listing_again_changes_its_external_id(apis):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "OLD"}]})

    r = apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "NEW"}]})

    assert r.status_code == 201
    assert [x["external_id"] for x in apis.acme.get(f"/channels/{channel_id}/listings").json["items"]] == ["NEW"]


def test_rules_shape_the_desired_quantity(apis):
    channel_id = apis.acme.post("/channels", json=webhook_channel(
        warehouses=["WH1", "WH2"], rules={"buffer": 3, "percent": 50, "max_qty": 100})).json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [{"sku": "A-1", "external_id": "E"}]})
    # 10 in WH1 + 5 in WH2 = 15; minus 3 = 12; half = 6.
    assert apis.acme.get(f"/channels/{channel_id}/listings").json["items"][0]["desired_qty"] == 6

    r = apis.acme.patch(f"/channels/{channel_id}", json={"rules": {"max_qty": 4}})

    assert r.status_code == 200 and r.json["rules"] == {"buffer": 3, "percent": 50, "max_qty": 4}
    assert apis.acme.get(f"/channels/{channel_id}/listings").json["items"][0]["desired_qty"] == 4
    apis.acme.patch(f"/channels/{channel_id}", json={"warehouses": ["WH2"], "rules": {"max_qty": None}})
    # 5 - 3 = 2; half = 1.
    assert apis.acme.get(f"/channels/{channel_id}/listings").json["items"][0]["desired_qty"] == 1


def test_the_pull_feed_answers_a_channel_token_with_versions_and_deltas(apis, make_api, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    apis.acme.post(f"/channels/{channel_id}/listings", json={"listings": [
        {"sku": "A-1", "external_id": "E1"}, {"sku": "A-2", "external_id": "E2"}]})
    feed_api = make_api("channel", seller="ACME", channel=channel_id)

    first = feed_api.get(f"/channels/{channel_id}/stock")

    assert first.status_code == 200, first.json
    assert [(x["sku"], x["quantity"]) for x in first.json["items"]] == [("A-1", 10)]
    version = first.json["version"]
    assert version == first.json["items"][0]["version"]
    assert feed_api.get(f"/channels/{channel_id}/stock?since_version={version}").json["items"] == []
    apis.admin.post("/adjustments", json={"warehouse": "WH1", "location": "A01-01-1", "sku": "A-1",
                                          "seller": "ACME", "qty": 2, "reason": "found"})
    delta = feed_api.get(f"/channels/{channel_id}/stock?since_version={version}").json
    assert [(x["sku"], x["quantity"]) for x in delta["items"]] == [("A-1", 12)]
    assert delta["version"] > version


def test_a_channel_token_sees_only_its_own_channel(apis, make_api):
    one = apis.acme.post("/channels", json=webhook_channel(name="One")).json["id"]
    two = apis.acme.post("/channels", json=webhook_channel(name="Two")).json["id"]
    feed_api = make_api("channel", seller="ACME", channel=one)

    assert feed_api.get(f"/channels/{one}/stock").status_code == 200
    assert_problem(feed_api.get(f"/channels/{two}/stock"), 404, "not_found")
    assert_problem(feed_api.post(f"/channels/{one}/reconcile"), 403, "forbidden")
    assert_problem(feed_api.post("/channels", json=webhook_channel(name="Three")), 403, "forbidden")


def test_reconcile_is_accepted_for_the_worker(apis, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]

    r = apis.acme.post(f"/channels/{channel_id}/reconcile")

    assert r.status_code == 202
    assert r.json["channel"] == channel_id
    assert channel_row(session, channel_id).reconcile_requested_at is not None


def _channel_count(session) -> int:
    n = len(session.scalars(select(Channel.id)).all())
    session.commit()
    return n


def test_bad_channels_are_refused_naming_the_field_and_change_nothing(apis, session):
    before = _channel_count(session)
    cases = [
        (webhook_channel(kind="myspace"), "kind"),
        (webhook_channel(warehouses=[]), "warehouses"),
        (webhook_channel(warehouses=["NOPE"]), "warehouses"),
        (webhook_channel(settings={"url": "http://127.0.0.1:9/hook"}), "settings.secret"),
        (webhook_channel(settings={"url": "ftp://x", "secret": "s"}), "settings.url"),
        (webhook_channel(settings={"url": "http://x", "secret": "s", "colour": "red"}), "settings.colour"),
        (webhook_channel(rules={"percent": 150}), "rules.percent"),
        (webhook_channel(rules={"buffer": -1}), "rules.buffer"),
        (webhook_channel(name=""), "name"),
        ({"kind": "webhook"}, "name"),
        (webhook_channel(kind="amazon", settings={"seller_id": "A1"}), "settings.marketplace_id"),
    ]
    for body, field in cases:
        assert_problem(apis.acme.post("/channels", json=body), 422, "validation_error", field)
    apis.acme.post("/channels", json=webhook_channel())
    assert_problem(apis.acme.post("/channels", json=webhook_channel()), 409, "conflict", "name")
    assert_problem(apis.admin.post("/channels", json=webhook_channel()), 422, "validation_error", "seller")
    assert _channel_count(session) == before + 1


def test_bad_listings_are_refused_naming_the_field_and_change_nothing(apis, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    shop_id = apis.acme.post("/channels", json={
        "name": "Shop", "kind": "shopify", "warehouses": ["WH1"],
        "settings": {"shop": "acme.myshopify.com", "access_token": "shpat_x"}}).json["id"]
    cases = [
        (channel_id, {"listings": []}, "listings"),
        (channel_id, {"listings": [{"sku": "A-1"}]}, "listings.0.external_id"),
        (channel_id, {"listings": [{"sku": "NOPE", "external_id": "E"}]}, "listings.0.sku"),
        (channel_id, {"listings": [{"sku": "A-1", "external_id": "E"}, {"sku": "A-1", "external_id": "F"}]},
         "listings.1.sku"),
        (channel_id, {"listings": [{"sku": "A-1", "external_id": "E"}, {"sku": "A-2", "external_id": "E"}]},
         "listings"),
        (shop_id, {"listings": [{"sku": "A-1", "external_id": "gid://shopify/InventoryItem/1"}]},
         "listings.0.location_id"),
    ]
    for cid, body, field in cases:
        assert_problem(apis.acme.post(f"/channels/{cid}/listings", json=body), 422, "validation_error", field)
    assert apis.acme.get(f"/channels/{channel_id}/listings").json["items"] == []
    assert_problem(apis.acme.get(f"/channels/{channel_id}/stock?since_version=-1"), 422, "validation_error",
                   "since_version")
    assert_problem(apis.acme.get(f"/channels/{channel_id}/listings?status=odd"), 422, "validation_error", "status")
    assert_problem(apis.acme.get("/channels/9999"), 404, "not_found")


def test_bad_channel_changes_are_refused_naming_the_field_and_change_nothing(apis, session):
    channel_id = apis.acme.post("/channels", json=webhook_channel()).json["id"]
    before = apis.acme.get(f"/channels/{channel_id}").json
    cases = [
        ({"rules": {"percent": -1}}, "rules.percent"),
        ({"warehouses": ["NOPE"]}, "warehouses"),
        ({"settings": {"url": "nope"}}, "settings.url"),
        ({"settings": {"secret": None}}, "settings.secret"),
        ({"status": "sleeping"}, "status"),
        ({"colour": "red"}, "colour"),
    ]
    for body, field in cases:
        assert_problem(apis.acme.patch(f"/channels/{channel_id}", json=body), 422, "validation_error", field)
    assert apis.acme.get(f"/channels/{channel_id}").json == before
    assert_problem(apis.beta.patch(f"/channels/{channel_id}", json={"name": "x"}), 404, "not_found")
