"""The channels' demo data for `wms demo`: each demo seller sells on a few
marketplaces, every channel pointed at the sandbox marketplace that
`make run` starts (WMS_SANDBOX_URL, default http://127.0.0.1:8100), so a new
user sees stock sync in the first minute. Skipped, saying why, when no
WMS_CHANNEL_KEYS is set (credentials could not be sealed)."""
from __future__ import annotations

import os
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.catalog.models import Seller
from wms.channels.secrets import ENV_VAR
from wms.channels.services import add_listings, create_channel

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8100"
DEMO_WEBHOOK = ("demo", "demo-webhook-secret")
LISTINGS_PER_CHANNEL = 40


def _channels(url: str) -> list[tuple[str, dict]]:
    return [
        ("SZ-AUDIO", {"name": "Amazon US", "kind": "amazon", "warehouses": ["US-LAX"], "rules": {"buffer": 2},
                      "settings": {"base_url": url, "auth_url": url, "seller_id": "A2SZAUDIO",
                                   "marketplace_id": "ATVPDKIKX0DER", "client_id": "amzn1.application-oa2-client.demo",
                                   "client_secret": "demo-secret", "refresh_token": "Atzr|demo"}}),
        ("SZ-AUDIO", {"name": "eBay", "kind": "ebay", "warehouses": ["US-LAX", "DE-DUI"],
                      "rules": {"buffer": 1, "percent": 50, "max_qty": 100},
                      "settings": {"base_url": url, "client_id": "demo-app", "client_secret": "demo-secret",
                                   "refresh_token": "v^1.1#demo"}}),
        ("NB-HOME", {"name": "Own Shopify store", "kind": "shopify", "warehouses": ["US-LAX", "DE-DUI"],
                     "settings": {"base_url": url, "shop": "nb-home.myshopify.com", "access_token": "shpat_demo"}}),
        ("YW-TOYS", {"name": "AliExpress", "kind": "aliexpress", "warehouses": ["DE-DUI"], "rules": {"percent": 80},
                     "settings": {"base_url": url, "app_key": "500001", "app_secret": "sandbox-app-secret",
                                  "session": "demo-session"}}),
        ("YW-TOYS", {"name": "ERP webhook", "kind": "webhook", "warehouses": ["US-LAX", "DE-DUI"],
                     "settings": {"url": f"{url}/webhook/{DEMO_WEBHOOK[0]}", "secret": DEMO_WEBHOOK[1]}}),
    ]


def _listing(kind: str, sku_code: str, n: int) -> dict:
    if kind == "shopify":
        return {"sku": sku_code, "external_id": f"gid://shopify/InventoryItem/{44000000 + n}",
                "location_id": "gid://shopify/Location/1"}
    if kind == "aliexpress":
        return {"sku": sku_code, "external_id": f"{1005006000000 + n // 4}:{sku_code}"}
    return {"sku": sku_code, "external_id": sku_code}


def demo_channels(session: Session, rng: random.Random, skus) -> None:
    if not os.environ.get(ENV_VAR):
        print(f"channels demo skipped: {ENV_VAR} is not set (`make run` sets one)")
        return
    admin = Principal.system("demo")
    url = os.environ.get("WMS_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")
    sellers = dict(session.execute(select(Seller.id, Seller.code)).all())
    for seller_code, body in _channels(url):
        channel = create_channel(session, admin, {**body, "seller": seller_code})
        own = [s for s in skus if sellers.get(s.seller_id) == seller_code]
        chosen = sorted(own, key=lambda s: s.id)[:LISTINGS_PER_CHANNEL]
        add_listings(session, admin, channel.id, [_listing(body["kind"], s.code, n) for n, s in enumerate(chosen)])
