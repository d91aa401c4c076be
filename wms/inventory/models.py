"""Warehouse tasks (putaway, move, count), transfers between warehouses, and
cycle counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import QUANTITY, Base, UTCDateTime, utcnow

TASK_TYPES = ("putaway", "move", "count")
TASK_STATUSES = ("open", "done", "cancelled")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("type IN ('putaway', 'move', 'count')", name="type"),
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        CheckConstraint("qty > 0 AND qty_done >= 0 AND qty_done <= qty", name="quantities"),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_tasks_warehouse_id_type_status", "warehouse_id", "type", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(64), default="")
    condition: Mapped[str] = mapped_column(String(8), default="good")
    qty: Mapped[int] = mapped_column(Integer)
    qty_done: Mapped[int] = mapped_column(Integer, default=0)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    suggested_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    # What created it: an ASN receipt, a transfer receipt, a short pick...
    source_type: Mapped[str | None] = mapped_column(String(16))
    source_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def qty_open(self) -> int:
        return self.qty - self.qty_done


TRANSFER_STATUSES = ("in_transit", "received")


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("status IN ('in_transit', 'received')", name="status"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="distinct_warehouses"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_transit")
    reference: Mapped[str | None] = mapped_column(String(64))
    out_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"))
    in_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[TransferLine]] = relationship(order_by="TransferLine.id", lazy="selectin")


class TransferLine(Base):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("qty > 0 AND (received_qty IS NULL OR received_qty >= 0)", name="quantities"),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(64), default="")
    qty: Mapped[int] = mapped_column(Integer)
    received_qty: Mapped[int | None] = mapped_column(Integer)


COUNT_STATUSES = ("open", "pending_approval", "done", "cancelled")


class Count(Base):
    __tablename__ = "counts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'pending_approval', 'done', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    locations: Mapped[list[CountLocation]] = relationship(order_by="CountLocation.id", lazy="selectin")
    lines: Mapped[list[CountLine]] = relationship(order_by="CountLine.id", lazy="selectin")


class CountLocation(Base):
    __tablename__ = "count_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))


class CountLine(Base):
    """A counted (location, SKU, lot): what the system held and what was
    found. Variances within the threshold post at once; larger ones wait
    for an admin's approval."""

    __tablename__ = "count_lines"
    __table_args__ = (
        CheckConstraint("counted_qty >= 0 AND system_qty >= 0", name="nonnegative"),
        CheckConstraint("status IN ('posted', 'pending', 'rejected', 'no_variance')", name="status"),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("counts.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(64), default="")
    condition: Mapped[str] = mapped_column(String(8), default="good")
    system_qty: Mapped[int] = mapped_column(QUANTITY)
    counted_qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"))

    @property
    def variance(self) -> int:
        return self.counted_qty - self.system_qty
