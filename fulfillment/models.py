"""Orders and their lines, status history, waves, pick lists and picks,
cartons."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from wms.auth.principal import Principal
from wms.db import Base, UTCDateTime, utcnow
from wms.errors import InvalidState

# Why a pick came up short: the bin was empty, the units there were damaged,
# or another item was in the bin. A short pick is done only with one of them.
SHORT_REASONS = ("empty", "damaged", "wrong_item")
ORDER_STATUSES = ("backordered", "allocated", "picking", "picked", "packed", "shipped", "cancelled")
# Which status may follow which (None: a new order). Shipped and cancelled are final.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"allocated", "backordered"}),
    "backordered": frozenset({"allocated", "cancelled"}),
    "allocated": frozenset({"picking", "cancelled"}),
    "picking": frozenset({"picked", "backordered", "cancelled"}),
    "picked": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"shipped", "cancelled"}),
}


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("seller_id", "reference"),
        CheckConstraint(
            "status IN ('backordered', 'allocated', 'picking', 'picked', 'packed', 'shipped', 'cancelled')",
            name="status",
        ),
        Index("ix_orders_status_id", "status", "id"),
        Index("ix_orders_warehouse_id_status", "warehouse_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[int | None] = mapped_column(Integer)
    # The warehouse the order is allocated in (or asked for); None while a
    # backorder may still be shipped from any warehouse.
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    requested_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16))
    ship_to_name: Mapped[str] = mapped_column(String(200))
    ship_to_line1: Mapped[str] = mapped_column(String(200))
    ship_to_city: Mapped[str] = mapped_column(String(100))
    ship_to_postal_code: Mapped[str] = mapped_column(String(20))
    ship_to_country: Mapped[str] = mapped_column(String(2))
    carrier: Mapped[str | None] = mapped_column(String(50))
    service_level: Mapped[str | None] = mapped_column(String(50))
    ship_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.id", lazy="selectin")

    def start(self, status: str, actor: Principal | None, note: str | None = None) -> None:
        """A new (flushed) order's first status, recorded as coming from none."""
        self._change(None, status, actor, note)

    def move_to(self, status: str, actor: Principal | None, note: str | None = None) -> None:
        """Change the status and record when, by whom and why; a change the
        life cycle does not allow (TRANSITIONS) is InvalidState."""
        self._change(self.status, status, actor, note)

    def _change(self, from_status: str | None, status: str, actor: Principal | None, note: str | None) -> None:
        if status not in TRANSITIONS.get(from_status, ()):
            raise InvalidState(f"order {self.reference} is {from_status or 'new'}; it cannot become {status}")
        object_session(self).add(OrderEvent(
            order_id=self.id, from_status=from_status, to_status=status,
            actor_token_id=actor.token_id if actor else None,
            actor_user_id=actor.user_id if actor else None,
            actor=(actor.name or actor.role) if actor else "system", note=note,
        ))
        self.status = status


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("qty > 0 AND allocated_qty >= 0 AND picked_qty >= 0", name="quantities"),
        CheckConstraint("picked_qty <= allocated_qty AND allocated_qty <= qty", name="within_qty"),
        ForeignKeyConstraint(["sku_id", "owner_id"], ["skus.id", "skus.seller_id"]),
        Index("ix_order_lines_sku_id_order_id", "sku_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)
    # Reserved or already picked; picked units are part of it.
    allocated_qty: Mapped[int] = mapped_column(Integer, default=0)
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"))


class OrderEvent(Base):
    """Every change of an order's status: when, by whom, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Wave(Base):
    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="released")
    method: Mapped[str] = mapped_column(String(100))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    distance_mm: Mapped[int] = mapped_column(Integer, default=0)
    single_order_distance_mm: Mapped[int] = mapped_column(Integer, default=0)
    fcfs_distance_mm: Mapped[int] = mapped_column(Integer, default=0)
    baseline_distance_mm: Mapped[int] = mapped_column(Integer, default=0)
    planning_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pick_lists: Mapped[list[PickList]] = relationship(order_by="PickList.id", lazy="selectin")


class PickList(Base):
    __tablename__ = "pick_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    distance_mm: Mapped[int] = mapped_column(Integer, default=0)
    s_shape_mm: Mapped[int] = mapped_column(Integer, default=0)
    largest_gap_mm: Mapped[int] = mapped_column(Integer, default=0)
    route_method: Mapped[str] = mapped_column(String(50), default="")

    picks: Mapped[list[Pick]] = relationship(order_by="Pick.seq", lazy="selectin")
    # Loaded when asked for: a pick confirmation reads only its order's tote.
    totes: Mapped[list[PickListTote]] = relationship(order_by="PickListTote.id", lazy="select")


class PickListTote(Base):
    """Sort while picking: the tote (or cart slot) that holds one order's
    units on a batch pick list, scanned at the start of the list."""

    __tablename__ = "pick_list_totes"
    __table_args__ = (UniqueConstraint("pick_list_id", "order_id"), UniqueConstraint("pick_list_id", "tote"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    tote: Mapped[str] = mapped_column(String(32), index=True)


class Pick(Base):
    __tablename__ = "picks"
    __table_args__ = (
        UniqueConstraint("pick_list_id", "seq"),
        CheckConstraint("qty > 0 AND picked_qty >= 0 AND picked_qty <= qty", name="quantities"),
        CheckConstraint("status IN ('open', 'picked', 'short')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    lot: Mapped[str] = mapped_column(String(64), default="")
    qty: Mapped[int] = mapped_column(Integer)
    picked_qty: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A short pick's reason (SHORT_REASONS).
    short_reason: Mapped[str | None] = mapped_column(String(16))
    # The tote the units went into (the order's tote on the list when picked).
    tote: Mapped[str | None] = mapped_column(String(32))


class Carton(Base):
    __tablename__ = "cartons"
    __table_args__ = (
        CheckConstraint("length_mm > 0 AND width_mm > 0 AND height_mm > 0 AND weight_g > 0", name="dimensions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    length_mm: Mapped[int] = mapped_column(Integer)
    width_mm: Mapped[int] = mapped_column(Integer)
    height_mm: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer)

    lines: Mapped[list[CartonLine]] = relationship(lazy="selectin")


class CartonLine(Base):
    __tablename__ = "carton_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carton_id: Mapped[int] = mapped_column(ForeignKey("cartons.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    qty: Mapped[int] = mapped_column(Integer)
