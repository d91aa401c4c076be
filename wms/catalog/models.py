"""Sellers, their SKUs, the SKUs' barcodes, and the lots of lot-tracked SKUs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import Base, UTCDateTime, utcnow


class Seller(Base):
    __tablename__ = "sellers"
    __table_args__ = (
        CheckConstraint("over_receipt_tolerance_pct >= 0 AND min_shelf_life_days >= 0", name="receiving_rules"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Receiving rules agreed with the seller: units beyond an ASN line by more
    # than this percentage need a confirmation and a reason; a lot with fewer
    # days of shelf life left than this is received with a warning.
    over_receipt_tolerance_pct: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    min_shelf_life_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sku(Base):
    __tablename__ = "skus"
    __table_args__ = (
        UniqueConstraint("seller_id", "code"),
        # Target of the composite foreign keys that make "a posting's owner is
        # its SKU's owner" a database rule.
        UniqueConstraint("id", "seller_id"),
        CheckConstraint("length_mm >= 0 AND width_mm >= 0 AND height_mm >= 0", name="dimensions"),
        CheckConstraint("weight_g >= 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    length_mm: Mapped[int] = mapped_column(Integer, default=0)
    width_mm: Mapped[int] = mapped_column(Integer, default=0)
    height_mm: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    lot_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    expiry_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    hs_code: Mapped[str | None] = mapped_column(String(16))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    customs_value_cents: Mapped[int | None] = mapped_column(Integer)
    customs_currency: Mapped[str | None] = mapped_column(String(3))
    customs_description: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seller: Mapped[Seller] = relationship(lazy="joined", innerjoin=True)
    barcodes: Mapped[list[Barcode]] = relationship(
        back_populates="sku", cascade="all, delete-orphan", order_by="Barcode.id", lazy="selectin",
        overlaps="barcodes",
    )

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm


class Barcode(Base):
    __tablename__ = "barcodes"
    __table_args__ = (
        UniqueConstraint("seller_id", "code"),
        ForeignKeyConstraint(["sku_id", "seller_id"], ["skus.id", "skus.seller_id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(Integer, index=True)
    seller_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64), index=True)

    sku: Mapped[Sku] = relationship(back_populates="barcodes", overlaps="barcodes")


class Lot(Base):
    """A lot of an expiry-tracked SKU and its expiry date, as first received."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("sku_id", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    lot: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date | None] = mapped_column(Date)
