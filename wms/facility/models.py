"""Warehouses, their generated layouts and their locations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import Base, UTCDateTime, utcnow

PHYSICAL_KINDS = ("storage", "dock", "pack", "ship", "quarantine")
# Stock enters and leaves a warehouse through these; their balances may be negative.
VIRTUAL_KINDS = ("inbound", "customer", "adjustment", "in_transit")
LOCATION_KINDS = PHYSICAL_KINDS + VIRTUAL_KINDS


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    layout: Mapped[Layout | None] = relationship(back_populates="warehouse", uselist=False)


class Layout(Base):
    """A rectangular multi-aisle layout: blocks of parallel aisles separated by
    cross aisles (one in front, one behind, one between each pair of blocks)."""

    __tablename__ = "layouts"
    __table_args__ = (
        CheckConstraint("blocks >= 1 AND aisles >= 1 AND bays_per_aisle >= 1 AND levels >= 1", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), unique=True)
    blocks: Mapped[int] = mapped_column(Integer)
    aisles: Mapped[int] = mapped_column(Integer)
    bays_per_aisle: Mapped[int] = mapped_column(Integer)
    levels: Mapped[int] = mapped_column(Integer)
    bay_width_mm: Mapped[int] = mapped_column(Integer)
    bay_depth_mm: Mapped[int] = mapped_column(Integer)
    level_height_mm: Mapped[int] = mapped_column(Integer)
    aisle_width_mm: Mapped[int] = mapped_column(Integer)
    cross_aisle_width_mm: Mapped[int] = mapped_column(Integer)
    max_weight_g: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warehouse: Mapped[Warehouse] = relationship(back_populates="layout")


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "code"),
        # Target of composite foreign keys from postings and balances: a row can
        # only name a location of its own warehouse, with its true virtual flag.
        UniqueConstraint("id", "warehouse_id", "is_virtual"),
        CheckConstraint(
            "kind IN ('storage', 'dock', 'pack', 'ship', 'quarantine', "
            "'inbound', 'customer', 'adjustment', 'in_transit')",
            name="kind",
        ),
        CheckConstraint(
            "is_virtual = (kind IN ('inbound', 'customer', 'adjustment', 'in_transit'))",
            name="virtual_kind",
        ),
        CheckConstraint("max_volume_mm3 IS NULL OR max_volume_mm3 > 0", name="volume"),
        CheckConstraint("max_weight_g IS NULL OR max_weight_g > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    block: Mapped[int | None] = mapped_column(Integer)
    aisle: Mapped[int | None] = mapped_column(Integer)
    bay: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int | None] = mapped_column(Integer)
    # The pick point: on an aisle's centre line for storage, on the front cross
    # aisle for the dock, pack and ship stations.
    x_mm: Mapped[int | None] = mapped_column(Integer)
    y_mm: Mapped[int | None] = mapped_column(Integer)
    max_volume_mm3: Mapped[int | None] = mapped_column(BigInteger)
    max_weight_g: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    warehouse: Mapped[Warehouse] = relationship()
