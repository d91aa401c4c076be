"""API tokens. Only a SHA-256 hash of a token is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import Base, UTCDateTime, utcnow
from wms.facility.models import Warehouse

ROLES = ("admin", "operator", "seller", "channel")

token_warehouses = Table(
    "token_warehouses",
    Base.metadata,
    Column("token_id", ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouses.id"), primary_key=True),
)


class Token(Base):
    __tablename__ = "tokens"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'operator', 'seller', 'channel')", name="role"),
        CheckConstraint("role NOT IN ('seller', 'channel') OR seller_id IS NOT NULL", name="seller_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True)
    # The channel a channel token speaks for (the channels area owns that table).
    channel_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    warehouses: Mapped[list[Warehouse]] = relationship(secondary=token_warehouses, lazy="selectin")
