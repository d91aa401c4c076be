"""Advance shipping notices (ASNs), their lines, and the receipts scanned against them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import QUANTITY, Base, UTCDateTime, utcnow

ASN_STATUSES = ("expected", "receiving", "closed", "cancelled")
TRANSPORT_MODES = ("sea", "air", "road", "rail", "courier")
# What a receipt may confirm: each the code of the ConfirmationRequired it answers.
RECEIPT_CONFIRMATIONS = ("over_receipt", "not_on_asn", "lot_not_on_asn")


class Asn(Base):
    __tablename__ = "asns"
    __table_args__ = (
        UniqueConstraint("seller_id", "reference"),
        CheckConstraint("status IN ('expected', 'receiving', 'closed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="expected")
    transport_mode: Mapped[str | None] = mapped_column(String(16))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    container_number: Mapped[str | None] = mapped_column(String(20))
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[AsnLine]] = relationship(back_populates="asn", order_by="AsnLine.id", lazy="selectin")


class AsnLine(Base):
    __tablename__ = "asn_lines"
    __table_args__ = (
        UniqueConstraint("asn_id", "sku_id", "lot"),
        CheckConstraint("expected_qty >= 0 AND received_qty >= 0 AND damaged_qty >= 0", name="nonnegative"),
        CheckConstraint("damaged_qty <= received_qty", name="damaged_within_received"),
        ForeignKeyConstraint(["sku_id", "seller_id"], ["skus.id", "skus.seller_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(ForeignKey("asns.id"), index=True)
    seller_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer, index=True)
    lot: Mapped[str] = mapped_column(String(64), default="")
    expiry: Mapped[date | None] = mapped_column(Date)
    expected_qty: Mapped[int] = mapped_column(Integer)
    # Every unit received, good or damaged; damaged_qty is the damaged part.
    received_qty: Mapped[int] = mapped_column(QUANTITY, default=0)
    damaged_qty: Mapped[int] = mapped_column(QUANTITY, default=0)

    asn: Mapped[Asn] = relationship(back_populates="lines")

    @property
    def outstanding(self) -> int:
        """Units still expected: what `expected` stock counts for this line."""
        return max(0, self.expected_qty - self.received_qty)

    @property
    def unplanned(self) -> bool:
        return self.expected_qty == 0


class Receipt(Base):
    """One scan at the dock: the units, their condition and the movement that
    brought them in from the warehouse's inbound virtual location."""

    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("qty > 0", name="positive"),
        CheckConstraint("condition IN ('good', 'damaged')", name="condition"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    asn_id: Mapped[int] = mapped_column(ForeignKey("asns.id"), index=True)
    asn_line_id: Mapped[int] = mapped_column(ForeignKey("asn_lines.id"))
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"))
    qty: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(String(8))
    over: Mapped[bool] = mapped_column(default=False)
    unplanned: Mapped[bool] = mapped_column(default=False)
    # Why the operator confirmed an over-receipt or took expired units in as damaged.
    reason: Mapped[str | None] = mapped_column(String(200))
    # The lot had less shelf life left than the seller's minimum (received with a warning).
    short_dated: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An undo: when, and the movement that took the units back out.
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversal_movement_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("movements.id"))
    actor_token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
