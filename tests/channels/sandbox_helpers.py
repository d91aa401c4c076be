"""Channels of every kind pointed at the sandbox marketplace, and a worker
that runs until nothing is due."""
from __future__ import annotations

import time

import httpx

from tests.conftest import ADMIN
from wms.channels.services import add_listings, create_channel

SETTINGS = {
    "amazon": lambda url: {"base_url": url, "auth_url": url, "seller_id": "A1SELLER", "marketplace_id": "ATVPDKIKX0DER",
                           "client_id": "amzn1.app", "client_secret": "secret", "refresh_token": "Atzr|refresh"},
    "ebay": lambda url: {"base_url": url, "client_id": "app", "client_secret": "secret", "refresh_token": "v^1.1#r"},
    "aliexpress": lambda url: {"base_url": url, "app_key": "500001", "app_secret": "sandbox-app-secret",
                               "session": "50000sess"},
    "wish": lambda url: {"base_url": url, "access_token": "wish-token"},
    "etsy": lambda url: {"base_url": url, "api_key": "keystring", "access_token": "12345.token"},
    "shopify": lambda url: {"base_url": url, "shop": "acme.myshopify.com", "access_token": "shpat_token"},
    "walmart": lambda url: {"base_url": url, "client_id": "walmart-client", "client_secret": "secret",
                            "feed_poll_s": 0.05, "feeds_per_hour": 3600},
    "woocommerce": lambda url: {"url": url, "consumer_key": "ck_x", "consumer_secret": "cs_x"},
    "webhook": lambda url: {"url": f"{url}/webhook/acme", "secret": "hook-secret"},
}
# (external id, location) of the first and second listing per kind, and the sandbox's key for each.
LISTING = {
    "amazon": [("A-1", ""), ("A-2", "")],
    "ebay": [("A-1", ""), ("A-2", "")],
    "aliexpress": [("1005001:A-1", ""), ("1005001:A-2", "")],
    "wish": [("P1:V1", "WHS-1"), ("P1:V2", "WHS-1")],
    "etsy": [("777:A-1", ""), ("777:A-2", "")],
    "shopify": [("gid://shopify/InventoryItem/11", "gid://shopify/Location/1"),
                ("gid://shopify/InventoryItem/12", "gid://shopify/Location/1")],
    "walmart": [("A-1", ""), ("A-2", "")],
    "woocommerce": [("101", ""), ("102/7", "")],
    "webhook": [("EXT-A1", ""), ("EXT-A2", "")],
}


def remote_key(kind: str, external_id: str, location: str) -> str:
    if kind == "wish":
        return f"{external_id}@{location}"
    if kind == "shopify":
        return f"{external_id}@{location}"
    if kind == "webhook":
        return f"acme:{external_id}"
    return external_id


def prepare(sandbox_url: str, kind: str) -> None:
    """What the marketplace already has before we push (Etsy listings with
    their products, Wish products with their variations, the webhook
    receiver's secret)."""
    if kind == "etsy":
        httpx.post(f"{sandbox_url}/_sandbox/etsy/listings", json={"listing_id": 777, "products": [
            {"sku": "A-1", "quantity": 0, "size": "S"}, {"sku": "A-2", "quantity": 0, "size": "M"},
            {"sku": "NOT-OURS", "quantity": 4, "size": "L"}]})
    if kind == "webhook":
        httpx.post(f"{sandbox_url}/_sandbox/webhooks", json={"name": "acme", "secret": "hook-secret"})
    if kind == "wish":  # the product with its variations exists on Wish before we set inventory
        httpx.post(f"{sandbox_url}/_sandbox/wish/products", json={"product_id": "P1", "variations": ["V1", "V2"]})


def make_channel(session, sandbox_url: str, kind: str, /, *, skus=("A-1",), warehouses=("WH1",), name=None,
                 **extra_settings):
    prepare(sandbox_url, kind)
    channel = create_channel(session, ADMIN, {
        "name": name or f"{kind} channel", "kind": kind, "seller": "ACME", "warehouses": list(warehouses),
        "settings": {**SETTINGS[kind](sandbox_url), "timeout_s": 2, **extra_settings}})
    listings = [{"sku": sku, "external_id": LISTING[kind][n][0], "location_id": LISTING[kind][n][1] or None}
                for n, sku in enumerate(skus)]
    add_listings(session, ADMIN, channel.id, listings)
    return channel.id


def state(sandbox_url: str) -> dict:
    return httpx.get(f"{sandbox_url}/_sandbox/state").json()


def remote(sandbox_url: str, kind: str, n: int = 0):
    external_id, location = LISTING[kind][n]
    return state(sandbox_url)["stock"][kind].get(remote_key(kind, external_id, location))


def fault(sandbox_url: str, kind: str, what: str, count: int = 1) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/faults", json={"kind": kind, "fault": what, "count": count})


def drain(worker, rounds: int = 20, feed_wait_s: float = 10.0) -> int:
    """Run passes until one does nothing and no bulk feed is still being
    processed (waiting up to feed_wait_s for those)."""
    total = 0
    deadline = time.monotonic() + feed_wait_s
    done = 0
    while done < rounds:
        pushed = worker.run_once()
        total += pushed
        if pushed:
            done += 1
            continue
        if not worker.feeds_pending() or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return total
