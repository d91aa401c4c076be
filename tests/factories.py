"""factory_boy factories (flush, never commit) and small scenario builders.

Warehouses are made through the facility service, because a warehouse is
only valid with its virtual locations; stock is put in place through the
ledger service, because every stock change goes through the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from wms.auth.principal import Principal
from wms.catalog.models import Barcode, Seller, Sku
from wms.facility.models import Location, Warehouse
from wms.facility.rules import LayoutParams
from wms.facility.services import create_layout, create_warehouse, virtual_location
from wms.ledger.rules import PostingLine
from wms.ledger.services import post_movement

ADMIN = Principal.system("tests")
SMALL_LAYOUT = LayoutParams(blocks=1, aisles=3, bays_per_aisle=4, levels=2)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class SellerFactory(_Base):
    class Meta:
        model = Seller

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Seller {o.code}")


class SkuFactory(_Base):
    class Meta:
        model = Sku

    seller = factory.SubFactory(SellerFactory)
    seller_id = factory.SelfAttribute("seller.id")
    code = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Item {o.code}")
    length_mm, width_mm, height_mm, weight_g = 200, 100, 50, 300

    @factory.post_generation
    def barcodes(obj, create, extracted, **kwargs):
        session = SkuFactory._meta.sqlalchemy_session
        for code in extracted if extracted is not None else [f"B{obj.code}"]:
            session.add(Barcode(sku_id=obj.id, seller_id=obj.seller_id, code=code))
        session.flush()


def bind_factories(session) -> None:
    for f in (SellerFactory, SkuFactory):
        f._meta.sqlalchemy_session = session


def make_warehouse(session, code="WH1", country="US", layout: LayoutParams | None = SMALL_LAYOUT) -> Warehouse:
    wh = create_warehouse(session, ADMIN, code=code, name=f"Warehouse {code}", country=country, timezone="UTC")
    if layout is not None:
        create_layout(session, ADMIN, code, layout)
    return wh


def loc(session, warehouse: Warehouse, code: str) -> Location:
    return session.scalars(select(Location).where(Location.warehouse_id == warehouse.id, Location.code == code)).one()


def put_stock(
    session, warehouse: Warehouse, location_code: str, sku: Sku, qty: int, lot: str = "", condition: str = "good"
):
    """Bring stock into a location from the adjustment source (a 'found' count)."""
    target = loc(session, warehouse, location_code)
    source = virtual_location(session, warehouse.id, "adjustment")
    return post_movement(
        session,
        warehouse_id=warehouse.id,
        kind="adjustment",
        reason="found",
        lines=[
            PostingLine(target.id, sku.id, qty, lot, condition),
            PostingLine(source.id, sku.id, -qty, lot, condition),
        ],
    )


@dataclass
class World:
    """Two warehouses, two sellers with two SKUs each, some stock."""

    wh1: Warehouse
    wh2: Warehouse
    seller_a: Seller
    seller_b: Seller
    skus_a: list[Sku] = field(default_factory=list)
    skus_b: list[Sku] = field(default_factory=list)


def make_world(session) -> World:
    bind_factories(session)
    wh1 = make_warehouse(session, "WH1", "US")
    wh2 = make_warehouse(session, "WH2", "DE")
    seller_a = SellerFactory(code="ACME")
    seller_b = SellerFactory(code="BETA")
    world = World(
        wh1,
        wh2,
        seller_a,
        seller_b,
        [SkuFactory(seller=seller_a, code="A-1"), SkuFactory(seller=seller_a, code="A-2")],
        [SkuFactory(seller=seller_b, code="B-1"), SkuFactory(seller=seller_b, code="B-2")],
    )
    session.commit()
    put_stock(session, wh1, "A01-01-1", world.skus_a[0], 10)
    put_stock(session, wh1, "A01-02-1", world.skus_b[0], 7)
    put_stock(session, wh2, "A01-01-1", world.skus_a[0], 5)
    return world
