"""The stock ledger's tables.

Postings are the truth and are append-only; balances (per location, owner,
SKU, lot and condition) and stock levels (per warehouse and SKU, by bucket)
are projections kept in the same transaction as the postings.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import QUANTITY, Base, UTCDateTime, utcnow

MOVEMENT_KINDS = (
    "receipt", "putaway", "move", "pick", "pack", "ship", "adjustment", "count",
    "transfer_out", "transfer_in", "return",
)
CONDITIONS = ("good", "damaged")
NO_LOT = ""


class Movement(Base):
    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('receipt', 'putaway', 'move', 'pick', 'pack', 'ship', 'adjustment', "
            "'count', 'transfer_out', 'transfer_in', 'return')",
            name="kind",
        ),
        Index("ix_movements_warehouse_id_id", "warehouse_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor_token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    idempotency_key_id: Mapped[int | None] = mapped_column(ForeignKey("idempotency_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="movement", order_by="Posting.id", lazy="selectin", viewonly=True
    )


class MovementUser(Base):
    """The person who made a movement (a logged-in user; an API token is on
    the movement itself). A row of its own, written with the movement, so
    that the one-statement posting path stays as it is."""

    __tablename__ = "movement_users"

    movement_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("movements.id"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("qty <> 0", name="nonzero"),
        CheckConstraint("condition IN ('good', 'damaged')", name="condition"),
        ForeignKeyConstraint(
            ["location_id", "warehouse_id", "is_virtual"],
            ["locations.id", "locations.warehouse_id", "locations.is_virtual"],
        ),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_postings_sku_id_movement_id", "sku_id", "movement_id"),
        Index("ix_postings_owner_id_movement_id", "owner_id", "movement_id"),
        Index("ix_postings_location_key", "location_id", "owner_id", "sku_id", "lot", "condition"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(Integer)
    is_virtual: Mapped[bool] = mapped_column(Boolean)
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(64), default=NO_LOT)
    condition: Mapped[str] = mapped_column(String(8), default="good")
    qty: Mapped[int] = mapped_column(Integer)

    movement: Mapped[Movement] = relationship(back_populates="postings")


class Balance(Base):
    __tablename__ = "balances"
    __table_args__ = (
        UniqueConstraint("location_id", "owner_id", "sku_id", "lot", "condition"),
        # Invariant 4's last line of defence: no negative stock in a physical location.
        CheckConstraint("is_virtual OR qty >= 0", name="nonnegative"),
        CheckConstraint("condition IN ('good', 'damaged')", name="condition"),
        ForeignKeyConstraint(
            ["location_id", "warehouse_id", "is_virtual"],
            ["locations.id", "locations.warehouse_id", "locations.is_virtual"],
        ),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_balances_warehouse_id_sku_id", "warehouse_id", "sku_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(Integer)
    is_virtual: Mapped[bool] = mapped_column(Boolean)
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(64), default=NO_LOT)
    condition: Mapped[str] = mapped_column(String(8), default="good")
    qty: Mapped[int] = mapped_column(QUANTITY, default=0)


class StockLevel(Base):
    """Warehouse-level stock of one SKU, by bucket. `sellable` and `reserved`
    carry the guarded reservations; the other buckets are derived from the
    kinds of the locations the stock is in."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "sku_id"),
        CheckConstraint(
            "sellable >= 0 AND reserved >= 0 AND receiving >= 0 AND unsellable >= 0 "
            "AND picked >= 0 AND in_transit >= 0 AND expected >= 0",
            name="nonnegative",
        ),
        # Invariant 5: reservations never exceed sellable stock on hand.
        CheckConstraint("reserved <= sellable", name="reserved_within_sellable"),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_stock_levels_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    sellable: Mapped[int] = mapped_column(QUANTITY, default=0)
    reserved: Mapped[int] = mapped_column(QUANTITY, default=0)
    receiving: Mapped[int] = mapped_column(QUANTITY, default=0)
    unsellable: Mapped[int] = mapped_column(QUANTITY, default=0)
    picked: Mapped[int] = mapped_column(QUANTITY, default=0)
    in_transit: Mapped[int] = mapped_column(QUANTITY, default=0)
    expected: Mapped[int] = mapped_column(QUANTITY, default=0)

    @property
    def available(self) -> int:
        return self.sellable - self.reserved


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("qty > 0", name="positive"),
        CheckConstraint("status IN ('open', 'released', 'consumed')", name="status"),
        CheckConstraint(
            "consumed_qty >= 0 AND released_qty >= 0 AND consumed_qty + released_qty <= qty", name="within_qty"
        ),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_reservations_warehouse_id_sku_id_status", "warehouse_id", "sku_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)
    # Picked units consume a reservation; a cancelled or short line releases it.
    consumed_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    released_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reference: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def open_qty(self) -> int:
        return self.qty - self.consumed_qty - self.released_qty
