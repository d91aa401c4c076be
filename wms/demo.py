"""A realistic demo: two overseas warehouses (Los Angeles and Duisburg), three
cross-border sellers, a few hundred SKUs with EAN-13 barcodes, and opening
stock spread over bins, so that every screen and endpoint has data at once.
Everything is created through the services, as a user would."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.auth.principal import Principal
from wms.auth.services import create_token
from wms.catalog.services import create_seller, create_sku
from wms.db import transaction
from wms.facility.models import Location, Warehouse
from wms.facility.rules import LayoutParams
from wms.facility.services import create_layout, create_warehouse, get_location, virtual_location
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement

WAREHOUSES = [
    ("US-LAX", "Los Angeles (Ontario, CA)", "US", "America/Los_Angeles", LayoutParams(2, 12, 20, 4)),
    ("DE-DUI", "Duisburg", "DE", "Europe/Berlin", LayoutParams(2, 10, 25, 4)),
]
SELLERS = [
    ("SZ-AUDIO", "Shenzhen Soundwave Electronics", ["Earbuds", "Speaker", "Cable", "Charger", "Headphones"]),
    ("NB-HOME", "Ningbo Homeware Co.", ["Storage box", "Kitchen scale", "Towel set", "Lamp", "Mug"]),
    ("YW-TOYS", "Yiwu Happy Toys", ["Building set", "Plush bear", "Puzzle", "RC car", "Craft kit"]),
]
HS_CODES = {"SZ-AUDIO": "851830", "NB-HOME": "392490", "YW-TOYS": "950300"}
TOKENS_FILE = Path("instance/demo-tokens.txt")


def ean13(rng: random.Random) -> str:
    digits = [6, 9, 2] + [rng.randrange(10) for _ in range(9)]  # 692: GS1 China
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


def has_data(session: Session) -> bool:
    return session.scalar(select(Warehouse.id).limit(1)) is not None


def load_demo(
    session: Session,
    *,
    seed: int = 20261123,
    skus_per_seller: int = 120,
    tokens_file: Path | None = TOKENS_FILE,
    extras: Sequence[Callable] = (),
) -> dict[str, str]:
    rng = random.Random(seed)
    admin = Principal.system("demo")
    for code, name, country, tz, params in WAREHOUSES:
        create_warehouse(session, admin, code=code, name=name, country=country, timezone=tz)
        create_layout(session, admin, code, params)
    skus = []
    used_barcodes: set[str] = set()
    for code, name, families in SELLERS:
        create_seller(session, admin, code=code, name=name)
        for i in range(1, skus_per_seller + 1):
            family = families[i % len(families)]
            barcode = ean13(rng)
            while barcode in used_barcodes:
                barcode = ean13(rng)
            used_barcodes.add(barcode)
            size = rng.choice([(120, 80, 40), (200, 150, 80), (300, 200, 150), (450, 300, 250)])
            perishable = family in ("Craft kit", "Mug") and i % 3 == 0
            skus.append(
                create_sku(
                    session,
                    admin,
                    {
                        "seller": code,
                        "code": f"{code.split('-')[1][:3]}-{i:04d}",
                        "name": f"{family} {i}",
                        "barcodes": [barcode],
                        "length_mm": size[0],
                        "width_mm": size[1],
                        "height_mm": size[2],
                        "weight_g": rng.randint(80, 4000),
                        "lot_tracked": perishable,
                        "expiry_tracked": perishable,
                        "hs_code": HS_CODES[code],
                        "origin_country": "CN",
                        "customs_value_cents": rng.randint(300, 9000),
                        "customs_currency": "USD",
                    },
                )
            )
    _opening_stock(session, rng, skus)
    _open_asns(session, rng, skus)
    for extra in extras:  # other packages' demo data (fulfillment's orders of the day)
        extra(session, rng, skus)
    tokens = _tokens(session, admin)
    tokens.update(_users(session, admin))
    if tokens_file is not None:
        tokens_file.parent.mkdir(parents=True, exist_ok=True)
        tokens_file.write_text("".join(f"{label:<24} {raw}\n" for label, raw in tokens.items()))
        tokens_file.chmod(0o600)
    return tokens


def _opening_stock(session: Session, rng: random.Random, skus) -> None:
    """Each SKU is stocked in most warehouses, one SKU per bin, in 1-3 bins,
    as the opening count of a migration from another system."""
    for wh_code, *_ in WAREHOUSES:
        with transaction(session):
            wh = session.scalars(select(Warehouse).where(Warehouse.code == wh_code)).one()
            bins = list(
                session.scalars(
                    select(Location.code).where(
                        Location.warehouse_id == wh.id, Location.kind == "storage", Location.level <= 2
                    )
                )
            )
            rng.shuffle(bins)
            adjustment = virtual_location(session, wh.id, "adjustment")
            for sku in skus:
                if rng.random() > 0.8:
                    continue
                lines = []
                for _ in range(rng.choice([1, 1, 2, 3])):
                    loc = get_location(session, wh.id, bins.pop())
                    qty = rng.choice([6, 12, 24, 48, 60, 120])
                    lot = f"L{rng.randint(2601, 2612)}" if sku.lot_tracked else ""
                    lines += [PostingLine(loc.id, sku.id, qty, lot), PostingLine(adjustment.id, sku.id, -qty, lot)]
                post_movement(
                    session,
                    warehouse_id=wh.id,
                    kind="count",
                    lines=lines,
                    reason="count",
                    note="opening stock",
                    reference="DEMO-OPENING",
                )


def _open_asns(session: Session, rng: random.Random, skus) -> None:
    """Each seller has a sea container on its way to each warehouse and an
    air shipment due today, so that a new user can start receiving at once."""
    from datetime import timedelta

    from wms.db import utcnow
    from wms.inbound.services import create_asn

    admin = Principal.system("demo")
    by_seller: dict[int, list] = {}
    for sku in skus:
        by_seller.setdefault(sku.seller_id, []).append(sku)
    for n, (seller_code, *_rest) in enumerate(SELLERS):
        seller_skus = by_seller[skus[n * len(skus) // len(SELLERS)].seller_id]
        for wh_code, *_w in WAREHOUSES:
            for kind, days, count in (("sea", 0, 12), ("air", 0, 4), ("sea", 21, 20)):
                chosen = rng.sample(seller_skus, count)
                create_asn(
                    session,
                    admin,
                    {
                        "seller": seller_code,
                        "warehouse": wh_code,
                        "reference": f"{seller_code}-{wh_code}-{kind.upper()}-{days:02d}",
                        "transport_mode": kind,
                        "carrier": "COSCO" if kind == "sea" else "Cathay Cargo",
                        "container_number": f"CSNU{rng.randint(1000000, 9999999)}" if kind == "sea" else None,
                        "tracking_number": None if kind == "sea" else f"160-{rng.randint(10000000, 99999999)}",
                        "expected_at": utcnow() + timedelta(days=days),
                        "lines": [
                            {
                                "sku": sku.code,
                                "qty": rng.choice([24, 48, 96, 120, 240]),
                                **(
                                    {
                                        "lot": f"L{rng.randint(2701, 2712)}",
                                        "expiry": (utcnow() + timedelta(days=rng.randint(180, 720))).date(),
                                    }
                                    if sku.lot_tracked
                                    else {}
                                ),
                            }
                            for sku in chosen
                        ],
                    },
                )


DEMO_PEOPLE = {"US-LAX": "Maria Lopez", "DE-DUI": "Jonas Becker"}


def _users(session: Session, admin: Principal) -> dict[str, str]:
    """One person per role: an admin, an operator per warehouse (badge and PIN
    for the handheld, and a password), a user per seller. Their secrets are
    random and shown once, like the tokens."""
    import secrets

    from wms.auth.users import create_user

    def password() -> str:
        return secrets.token_urlsafe(9)

    logins: dict[str, str] = {}
    secret = password()
    create_user(session, admin, login="admin", name="Demo Admin", role="admin", password=secret)
    logins["user admin"] = f"login admin  password {secret}"
    for code, *_ in WAREHOUSES:
        login, badge, pin, secret = f"op-{code.lower()}", f"OP-{code}-1", f"{secrets.randbelow(10**4):04d}", password()
        create_user(session, admin, login=login, name=DEMO_PEOPLE.get(code, f"Operator {code}"), role="operator",
                    warehouses=[code], password=secret, badge=badge, pin=pin)
        logins[f"user operator {code}"] = f"badge {badge}  PIN {pin}  (or login {login}  password {secret})"
    for code, name, _families in SELLERS:
        login, secret = code.lower(), password()
        create_user(session, admin, login=login, name=f"{name} staff", role="seller", seller=code, password=secret)
        logins[f"user seller {code}"] = f"login {login}  password {secret}"
    return logins


def _tokens(session: Session, admin: Principal) -> dict[str, str]:
    tokens = {"admin": create_token(session, admin, name="demo admin", role="admin")[1]}
    for code, *_ in WAREHOUSES:
        tokens[f"operator {code}"] = create_token(
            session, admin, name=f"demo operator {code}", role="operator", warehouses=[code]
        )[1]
    for code, *_ in SELLERS:
        tokens[f"seller {code}"] = create_token(session, admin, name=f"demo seller {code}", role="seller", seller=code)[
            1
        ]
    return tokens
