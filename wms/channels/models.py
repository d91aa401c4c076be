"""The channels area's tables: a seller's sales channels (a marketplace
account or a webhook), the warehouses each may sell from, and its listings
with their desired and pushed state.

A listing is level-triggered sync state, not a queue: ``desired_qty`` and
``version`` change in the same transaction as the ledger change (or rule or
listing change) that alters them; the worker pushes whatever is latest and
records ``pushed_version``. ``version`` values come from the channel's own
counter (``channels.version``), so the pull feed can ask for everything
changed after a version and never miss a change that commits late.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from wms.db import QUANTITY, Base, UTCDateTime, utcnow
from wms.facility.models import Warehouse

CHANNEL_KINDS = ("amazon", "ebay", "aliexpress", "wish", "etsy", "shopify", "walmart", "woocommerce", "webhook")
CHANNEL_STATUSES = ("active", "paused")
LISTING_STATES = ("active", "dead")

channel_warehouses = Table(
    "channel_warehouses",
    Base.metadata,
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
    Column("warehouse_id", ForeignKey("warehouses.id"), primary_key=True),
)


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('amazon', 'ebay', 'aliexpress', 'wish', 'etsy', 'shopify', 'walmart', 'woocommerce', "
            "'webhook')",
            name="kind",
        ),
        CheckConstraint("status IN ('active', 'paused')", name="status"),
        CheckConstraint("buffer >= 0 AND percent BETWEEN 0 AND 100 AND (max_qty IS NULL OR max_qty >= 0)",
                        name="rules"),
        CheckConstraint("version >= 0", name="version"),
        UniqueConstraint("seller_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Why the channel is paused (an authentication failure, the seller's wish).
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Connector settings that are not secret (seller id, marketplace, base URL...).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # The secret ones, a Fernet token of their JSON (wms.channels.secrets).
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Rules: sellable = min(max_qty, floor((available - buffer) * percent / 100)), floored at 0.
    buffer: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=100)
    max_qty: Mapped[int | None] = mapped_column(Integer)
    # The channel's change counter: every listing change takes the next value.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # The marketplace asked us to wait (429/throttled) until then.
    throttled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconcile_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warehouses: Mapped[list[Warehouse]] = relationship(secondary=channel_warehouses, lazy="selectin",
                                                       order_by=Warehouse.code)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("state IN ('active', 'dead')", name="state"),
        CheckConstraint("desired_qty >= 0 AND attempts >= 0", name="nonnegative"),
        ForeignKeyConstraint(["sku_id", "seller_id"], ["skus.id", "skus.seller_id"]),
        UniqueConstraint("channel_id", "sku_id", "location_ref"),
        UniqueConstraint("channel_id", "external_id", "location_ref"),
        Index("ix_listings_sku_id", "sku_id"),
        Index("ix_listings_channel_id_version", "channel_id", "version"),
        Index("ix_listings_next_attempt_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(Integer)
    # The marketplace's id of the listing (ASIN-level SKU, item id, inventory item id...).
    external_id: Mapped[str] = mapped_column(String(200))
    # The marketplace's location (Shopify location, Wish warehouse); "" where it has none.
    location_ref: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")

    # Desired state, changed in the ledger's transaction.
    desired_qty: Mapped[int] = mapped_column(QUANTITY, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # What the marketplace was last told successfully.
    pushed_version: Mapped[int] = mapped_column(BigInteger, default=0)
    pushed_qty: Mapped[int | None] = mapped_column(Integer)
    last_pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The worker's claim: a lease, so a push holds no row lock while it waits on HTTP.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushes: Mapped[int] = mapped_column(Integer, default=0)

    # Reconciliation: what the marketplace showed when last read.
    remote_qty: Mapped[int | None] = mapped_column(Integer)
    remote_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drift: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def status(self) -> str:
        """dead (needs the seller), synced, failing (retrying) or pending."""
        if self.state == "dead":
            return "dead"
        if self.pushed_version >= self.version and self.pushed_qty is not None:
            return "synced"
        return "failing" if self.attempts else "pending"


class ChannelFeed(Base):
    """A bulk feed handed to a marketplace that processes it later (Walmart):
    the listings it carries (id, version, quantity, in the feed's order) stay
    leased to it (``feed:<id>``) until its status is read and each item is
    settled on its own."""

    __tablename__ = "channel_feeds"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
        Index("ix_channel_feeds_status_poll_at", "status", "poll_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    # The marketplace's id of the feed.
    ref: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    items: Mapped[list] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    poll_at: Mapped[datetime] = mapped_column(UTCDateTime)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)
