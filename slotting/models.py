"""Slotting plans (with their figures), each SKU's home locations in a plan,
the re-slotting moves, per-SKU and per-seller slotting attributes, and
imported order history for the demand model."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import Base, UTCDateTime, utcnow

PLAN_STATUSES = ("queued", "running", "done", "failed", "cancelled", "applied")
MOVE_STATUSES = ("planned", "tasked", "skipped")


class SlottingPlan(Base):
    __tablename__ = "slotting_plans"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'applied')", name="status"),
        Index("ix_slotting_plans_warehouse_id_status", "warehouse_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    max_moves: Mapped[int | None] = mapped_column(Integer)
    time_limit_s: Mapped[float] = mapped_column(Float, default=60.0)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    horizon_days: Mapped[int] = mapped_column(Integer, default=60)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(32))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_before: Mapped[float | None] = mapped_column(Float)
    cost_after: Mapped[float | None] = mapped_column(Float)
    lower_bound: Mapped[float | None] = mapped_column(Float)
    improvement_pct: Mapped[float | None] = mapped_column(Float)
    # {"baselines": {...}, "walk_per_order_m": {...}, "stats": {...}, "unplaced": [...]}
    figures: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    moves: Mapped[list[SlottingMove]] = relationship(order_by="SlottingMove.seq", lazy="selectin")


class SlottingHome(Base):
    """Where a plan puts a SKU: its locations, rank 0 the pick face."""

    __tablename__ = "slotting_homes"
    __table_args__ = (Index("ix_slotting_homes_plan_id_sku_id", "plan_id", "sku_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("slotting_plans.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    rank: Mapped[int] = mapped_column(Integer, default=0)


class SlottingMove(Base):
    __tablename__ = "slotting_moves"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'tasked', 'skipped')", name="status"),
        CheckConstraint("qty IS NULL OR qty > 0", name="qty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("slotting_plans.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    qty: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    note: Mapped[str | None] = mapped_column(String(300))
    task_ids: Mapped[list | None] = mapped_column(JSON)


class SlottingSkuProfile(Base):
    """What slotting knows of a SKU beyond the catalog: its hazmat class
    (hazmat classes get zones of their own) and a seller's forecast, which
    overrides the demand measured from history."""

    __tablename__ = "slotting_sku_profiles"
    __table_args__ = (CheckConstraint("forecast_picks_per_day IS NULL OR forecast_picks_per_day >= 0",
                                      name="forecast"),)

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    hazmat_class: Mapped[str | None] = mapped_column(String(8))
    forecast_picks_per_day: Mapped[float | None] = mapped_column(Float)


class SlottingSellerRule(Base):
    """A seller whose goods must be stored in zones of their own."""

    __tablename__ = "slotting_seller_rules"

    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), primary_key=True)
    segregate: Mapped[bool] = mapped_column(Boolean, default=True)


class SlottingOrderHistory(Base):
    """Order lines imported from before the warehouse ran on Quayside (a new
    seller's or site's history), used by the demand model beside the picks
    recorded in the ledger."""

    __tablename__ = "slotting_order_history"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        Index("ix_slotting_order_history_warehouse_id_ordered_at", "warehouse_id", "ordered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    reference: Mapped[str] = mapped_column(String(64))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    qty: Mapped[int] = mapped_column(Integer)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
