"""Fulfillment's demo data: a day of marketplace orders for `wms demo`."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.orm import Session

from fulfillment.orders import create_order
from wms.auth.principal import Principal
from wms.db import utcnow

CUSTOMERS = {
    "US": [("Austin", "78701"), ("Seattle", "98101"), ("Chicago", "60601"), ("Miami", "33101"), ("Denver", "80202")],
    "DE": [("Berlin", "10115"), ("Hamburg", "20095"), ("München", "80331"), ("Köln", "50667")],
    "FR": [("Paris", "75001"), ("Lyon", "69001")],
}
CARRIERS = {"US": ["UPS", "FedEx", "USPS"], "DE": ["DHL", "DPD", "Hermes"], "FR": ["DHL", "Colissimo"]}


def demo_orders(session: Session, rng: random.Random, skus, count: int = 300) -> None:
    """A day of marketplace orders: mostly one or two lines, a few large
    ones, carrier cut-offs this afternoon; most are allocated at once, some
    wait as backorders for the inbound containers."""
    admin = Principal.system("demo")
    popular = sorted(skus, key=lambda s: rng.random())[: len(skus) // 3]
    today = utcnow().replace(minute=0, second=0, microsecond=0)
    for n in range(1, count + 1):
        country = rng.choices(["US", "DE", "FR"], weights=[55, 35, 10])[0]
        city, postal = rng.choice(CUSTOMERS[country])
        lines = rng.choices([1, 2, 3, 4, 6, 9], weights=[45, 25, 12, 8, 6, 4])[0]
        seller_id = rng.choice(popular).seller_id
        pool = [s for s in popular if s.seller_id == seller_id]
        chosen = rng.sample(pool, min(lines, len(pool)))
        seller_code = chosen[0].seller.code
        create_order(session, admin, {
            "seller": seller_code, "reference": f"MP-{n:05d}",
            "ship_to": {"name": f"Customer {n}", "line1": f"{rng.randint(1, 999)} Market Street", "city": city,
                        "postal_code": postal, "country": country},
            "carrier": rng.choice(CARRIERS[country]), "service_level": rng.choice(["standard", "standard", "express"]),
            "ship_by": today + timedelta(hours=rng.choice([2, 4, 6, 8, 24])),
            "lines": [{"sku": sku.code, "qty": rng.choices([1, 2, 3, 5], weights=[70, 18, 8, 4])[0]} for sku in chosen],
        })


